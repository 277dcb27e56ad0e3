/**
 * VPC networks and subnetworks of Compute Engine → the provider-neutral shapes of network.ts. Pure.
 * Ids are the ones machines record (mapping.ts): a network's name (unique in the project, never
 * renamed) and a subnetwork's `<region>/<name>`. GCE networks are global with no range of their own
 * (custom mode), and neither carries labels: tags are reported as {}.
 */
import { GLOBAL_REGION } from '../../net/network-rules.js';
import type { ProviderNetwork, ProviderSubnet } from '../network.js';
import { lastSegment, subnetworkId } from './mapping.js';

export interface GceNetwork {
  name?: string | null;
  selfLink?: string | null;
}

export interface GceSubnetwork {
  name?: string | null;
  network?: string | null;
  region?: string | null;
  ipCidrRange?: string | null;
  state?: string | null;
  selfLink?: string | null;
}

/** GCE keeps four addresses of every primary range: network, gateway, and the last two. */
export const GCE_RESERVED_PER_SUBNET = 4;

export function toProviderNetwork(n: GceNetwork): ProviderNetwork {
  return {
    externalId: n.name ?? '',
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

/** `<region>/<name>` → its parts; a bare name is taken in `region` (the ref's). */
export function parseSubnetId(externalId: string, region: string): { region: string; name: string } {
  const at = externalId.indexOf('/');
  return at > 0
    ? { region: externalId.slice(0, at), name: externalId.slice(at + 1) }
    : { region, name: externalId };
}

export function toProviderSubnet(s: GceSubnetwork): ProviderSubnet {
  const region = lastSegment(s.region);
  return {
    externalId: subnetworkId(s.selfLink) ?? `${region}/${s.name ?? ''}`,
    networkExternalId: lastSegment(s.network),
    name: s.name ?? '',
    cidr: s.ipCidrRange ?? '',
    region,
    availabilityZone: '',
    availableIps: availableIps(s.ipCidrRange),
    // READY, or DRAINING while an aggregate range is being removed; absent on older subnetworks.
    state: !s.state || s.state === 'READY' ? 'available' : s.state.toLowerCase(),
    tags: {},
  };
}
