/**
 * The fake's catalog, shaped as GET /server_types, /locations and /images answer (hcloud-go schema):
 * prices are strings, net and gross, per location, and differ by location as Hetzner's do.
 */
export const LOCATIONS = [
  {
    id: 1,
    name: 'fsn1',
    description: 'Falkenstein DC Park 1',
    country: 'DE',
    city: 'Falkenstein',
    network_zone: 'eu-central',
  },
  {
    id: 2,
    name: 'nbg1',
    description: 'Nuremberg DC Park 1',
    country: 'DE',
    city: 'Nuremberg',
    network_zone: 'eu-central',
  },
  {
    id: 3,
    name: 'hel1',
    description: 'Helsinki DC Park 1',
    country: 'FI',
    city: 'Helsinki',
    network_zone: 'eu-central',
  },
  {
    id: 4,
    name: 'ash',
    description: 'Ashburn, VA',
    country: 'US',
    city: 'Ashburn, VA',
    network_zone: 'us-east',
  },
  {
    id: 5,
    name: 'hil',
    description: 'Hillsboro, OR',
    country: 'US',
    city: 'Hillsboro, OR',
    network_zone: 'us-west',
  },
  {
    id: 6,
    name: 'sin',
    description: 'Singapore',
    country: 'SG',
    city: 'Singapore',
    network_zone: 'ap-southeast',
  },
].map((l) => ({ ...l, latitude: 0, longitude: 0 }));

const gross = (net: number) => (net * 1.19).toFixed(4);
/** Hourly net EUR per location; the monthly cap is about 672 hours' worth. */
function prices(hourlyByLocation: Record<string, number>) {
  return Object.entries(hourlyByLocation).map(([location, hourly]) => ({
    location,
    price_hourly: { net: hourly.toFixed(4), gross: gross(hourly) },
    price_monthly: { net: (hourly * 672).toFixed(4), gross: gross(hourly * 672) },
    included_traffic: 21990232555520,
    price_per_tb_traffic: { net: '1.0000', gross: '1.1900' },
  }));
}

function serverType(
  id: number,
  name: string,
  cores: number,
  memory: number,
  disk: number,
  hourly: number,
  extra = {},
) {
  return {
    id,
    name,
    description: name.toUpperCase(),
    category: 'cost_optimized',
    cores,
    memory,
    disk,
    storage_type: 'local',
    cpu_type: 'shared',
    architecture: 'x86',
    prices: prices({ fsn1: hourly, nbg1: hourly, hel1: hourly, ash: hourly * 1.2 }),
    deprecated: false,
    deprecation: null,
    locations: LOCATIONS.slice(0, 4).map((l) => ({
      id: l.id,
      name: l.name,
      recommended: true,
      available: true,
      deprecation: null,
    })),
    ...extra,
  };
}

export const SERVER_TYPES = [
  serverType(1, 'cx22', 2, 4, 40, 0.006),
  serverType(2, 'cx32', 4, 8, 80, 0.0113),
  serverType(3, 'cx42', 8, 16, 160, 0.0273),
  serverType(4, 'cx11', 1, 2, 20, 0.0052, { deprecated: true }),
];

export function systemImage(id: number, name: string, flavor: string, deprecated: string | null = null) {
  return {
    id,
    type: 'system',
    status: 'available',
    name,
    description: name.replace('-', ' ').replace(/^./, (c) => c.toUpperCase()),
    image_size: null,
    disk_size: 5,
    created: '2024-01-01T00:00:00+00:00',
    created_from: null,
    bound_to: null,
    os_flavor: flavor,
    os_version: name.split('-')[1] ?? null,
    architecture: 'x86',
    rapid_deploy: true,
    protection: { delete: false },
    deprecated,
    deleted: null,
    labels: {},
  };
}

export const SYSTEM_IMAGES = [
  systemImage(101, 'debian-12', 'debian'),
  systemImage(102, 'ubuntu-24.04', 'ubuntu'),
  systemImage(103, 'rocky-9', 'rocky'),
  systemImage(104, 'centos-7', 'centos', '2024-06-30T00:00:00+00:00'),
];
