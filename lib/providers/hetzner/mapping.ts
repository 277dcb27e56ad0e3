/** A Hetzner server, server type, image and location as Nimbo's shapes (lib/providers/compute.ts). */
import type { MachineState, ProviderMachine, ProviderSize } from '../compute.js';
import type { HetznerServer, HetznerServerType } from './schemas.js';

/** hcloud-go's ServerStatus values; Hetzner has no "rebooting": a reboot keeps a server running. */
const STATES: Record<string, MachineState> = {
  running: 'running',
  off: 'stopped',
  initializing: 'pending',
  starting: 'pending',
  rebuilding: 'pending',
  migrating: 'pending',
  stopping: 'stopping',
  deleting: 'terminated',
  unknown: 'unknown',
};

export function mapState(status: string): MachineState {
  return STATES[status] ?? 'unknown';
}

export const BILLING = 'hourly, capped at the monthly price; EUR without VAT';

/** The server type's net EUR prices in one location, as numbers; undefined where it is not sold. */
export function priceIn(
  type: HetznerServerType,
  location: string,
): { hourly: number; monthly: number } | undefined {
  const p = type.prices.find((x) => x.location === location);
  if (!p) return undefined;
  const hourly = Number(p.price_hourly.net);
  const monthly = Number(p.price_monthly.net);
  return Number.isFinite(hourly) && Number.isFinite(monthly) ? { hourly, monthly } : undefined;
}

/**
 * Hetzner assigns a server a /64 of IPv6 (public_net.ipv6.ip is the network, 2001:db8::/64); the
 * address it configures on the server by default is the network's ::1, which is what is reported.
 */
export function ipv6Address(network: string): string {
  const prefix = network.split('/')[0] ?? network;
  return prefix.endsWith('::') ? `${prefix}1` : prefix;
}

export function mapServer(s: HetznerServer): ProviderMachine {
  const location = s.location.name;
  const price = priceIn(s.server_type, location);
  const publicIps = [
    ...(s.public_net.ipv4?.ip ? [s.public_net.ipv4.ip] : []),
    ...(s.public_net.ipv6?.ip ? [ipv6Address(s.public_net.ipv6.ip)] : []),
  ];
  const privateNet = s.private_net ?? [];
  const extra: Record<string, string | number | boolean | null> = {
    currency: 'EUR',
    billing: BILLING,
    ...(price ? { priceMonthly: price.monthly } : {}),
    ...(s.public_net.ipv6?.ip ? { ipv6Network: s.public_net.ipv6.ip } : {}),
  };
  // As the Azure and GCP drivers record them: the machine's first network; a Hetzner server joins a
  // network, not a subnet, so the subnet is known only by the address.
  if (privateNet[0]) extra.vpcId = String(privateNet[0].network);
  return {
    externalId: String(s.id),
    name: s.name,
    state: mapState(s.status),
    region: location,
    location,
    size: s.server_type.name,
    image: s.image ? (s.image.name ?? String(s.image.id)) : undefined,
    publicIps,
    privateIps: privateNet.map((n) => n.ip),
    tags: { ...(s.labels ?? {}) },
    launchedAt: new Date(s.created),
    ...(price
      ? { hourlyCost: price.hourly, price: { currency: 'EUR', source: 'hetzner-api', reason: null } }
      : {}),
    extra,
  } satisfies ProviderMachine;
}

/** A server type, priced in the first of `regions` that sells it, with every region's prices beside. */
export function mapServerType(t: HetznerServerType, regions: readonly string[]): ProviderSize {
  const regionPrices: Record<string, { hourly: number; monthly: number }> = {};
  for (const r of regions) {
    const p = priceIn(t, r);
    if (p) regionPrices[r] = p;
  }
  const first = regions.map((r) => regionPrices[r]).find(Boolean);
  return {
    id: t.name,
    name: t.description,
    cpus: t.cores,
    memoryMiB: Math.round(t.memory * 1024),
    ...(first ? { hourlyPrice: first.hourly, monthlyPrice: first.monthly } : {}),
    currency: 'EUR',
    regionPrices,
  };
}
