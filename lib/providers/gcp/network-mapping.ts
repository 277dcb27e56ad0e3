/**
 * VPC networks and subnetworks of Compute Engine → the provider-neutral shapes of network.ts. Pure.
 * GCE networks are global and have no range of their own (custom mode), and carry no labels: their
 * tags are reported as {} (the description, the only free text, is not a key/value map).
 */
import { GLOBAL_REGION } from '../../net/network-rules.js';
import type { ProviderNetwork, ProviderSubnet } from '../network.js';
import { lastSegment } from './mapping.js';

export interface GceNetwork {
  // A Long in the generated types; a decimal string on the REST transport.
  id?: string | number | { toString(): string } | null;
  name?: string | null;
  selfLink?: string | null;
}

export interface GceSubnetwork {
  // A Long in the generated types; a decimal string on the REST transport.
  id?: string | number | { toString(): string } | null;
  name?: string | null;
  network?: string | null;
  region?: string | null;
  ipCidrRange?: string | null;
  state?: string | null;
}

/** GCE keeps four addresses of every primary range: network, gateway, and the last two. */
export const GCE_RESERVED_PER_SUBNET = 4;

const idOf = (r: { id?: GceNetwork['id']; name?: string | null }) =>
  r.id !== undefined && r.id !== null ? String(r.id) : (r.name ?? '');

/** projects/p/global/networks/n, the same for a selfLink and for a subnetwork's `network` URL. */
export function networkPath(url: string | null | undefined): string {
  const m = /projects\/[^/]+\/global\/networks\/[^/]+$/.exec(url ?? '');
  return m ? m[0] : '';
}

export function toProviderNetwork(n: GceNetwork): ProviderNetwork {
  return {
    // The numeric id: it stays the same if a network of that name is deleted and made again.
    externalId: idOf(n),
    name: n.name ?? '',
    cidr: '',
    region: GLOBAL_REGION,
    // GCE networks have no state: one that is listed is usable.
    state: 'available',
    isDefault: n.name === 'default',
    tags: {},
  };
}

export function availableIps(cidr: string | null | undefined): number | null {
  const prefix = Number(/\/(\d{1,2})$/.exec(cidr ?? '')?.[1] ?? Number.NaN);
  if (!Number.isInteger(prefix) || prefix > 32) return null;
  return Math.max(0, 2 ** (32 - prefix) - GCE_RESERVED_PER_SUBNET);
}

/** `networkIds` maps a network's path (networkPath) to its numeric id. */
export function toProviderSubnet(s: GceSubnetwork, networkIds: ReadonlyMap<string, string>): ProviderSubnet {
  const path = networkPath(s.network);
  return {
    externalId: idOf(s),
    networkExternalId: networkIds.get(path) ?? lastSegment(s.network),
    name: s.name ?? '',
    cidr: s.ipCidrRange ?? '',
    region: lastSegment(s.region),
    availabilityZone: '',
    availableIps: availableIps(s.ipCidrRange),
    // READY, or DRAINING while an aggregate range is being removed; absent on older subnetworks.
    state: !s.state || s.state === 'READY' ? 'available' : s.state.toLowerCase(),
    tags: {},
  };
}
