/** The simulated cloud's fixed catalogue: regions, zones, images and sizes with hourly prices. */
import type { ProviderImage, ProviderLocation, ProviderSize } from '../compute.js';

export const SIM_REGIONS = ['sim-east-1', 'sim-west-1', 'sim-eu-1'] as const;

export const SIM_LOCATIONS: ProviderLocation[] = SIM_REGIONS.flatMap((region) =>
  ['a', 'b'].map((z) => ({ id: `${region}${z}`, name: `${region}${z}`, region })),
);

const IMAGE_DEFS = [
  { id: 'sim-ubuntu-24.04', name: 'Ubuntu 24.04 LTS', os: 'linux' },
  { id: 'sim-debian-12', name: 'Debian 12', os: 'linux' },
  { id: 'sim-windows-2022', name: 'Windows Server 2022', os: 'windows' },
];

export const SIM_IMAGES: ProviderImage[] = SIM_REGIONS.flatMap((region) =>
  IMAGE_DEFS.map((i) => ({ ...i, region })),
);

export const SIM_SIZES: ProviderSize[] = [
  { id: 'sim.nano', name: 'nano (1 vCPU, 0.5 GiB)', cpus: 1, memoryMiB: 512, hourlyPrice: 0.0042 },
  { id: 'sim.small', name: 'small (1 vCPU, 2 GiB)', cpus: 1, memoryMiB: 2048, hourlyPrice: 0.0168 },
  { id: 'sim.medium', name: 'medium (2 vCPU, 4 GiB)', cpus: 2, memoryMiB: 4096, hourlyPrice: 0.0336 },
  { id: 'sim.large', name: 'large (2 vCPU, 8 GiB)', cpus: 2, memoryMiB: 8192, hourlyPrice: 0.0672 },
  { id: 'sim.xlarge', name: 'xlarge (4 vCPU, 16 GiB)', cpus: 4, memoryMiB: 16384, hourlyPrice: 0.1344 },
];

export function simSize(id: string): ProviderSize | undefined {
  return SIM_SIZES.find((s) => s.id === id);
}
