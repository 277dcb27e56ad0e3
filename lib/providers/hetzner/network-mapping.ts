/**
 * Hetzner networks and subnets as Nimbo's shapes. Hetzner subnets have no name and no id of their own:
 * a subnet is known by its network and its range, so its externalId is `${networkId}/${ip_range}`
 * ("123/10.1.1.0/24": the network id, then the range), and the name Nimbo gave it is kept in a label
 * on its network, `subnet.nimbo.dev/10.1.1.0-24` = name. A subnet made outside Nimbo is named by its
 * range.
 */
import { z } from 'zod';
import { GLOBAL_REGION } from '../../net/network-rules.js';
import { ProviderNotFoundError } from '../errors.js';
import type { ProviderNetwork, ProviderSubnet } from '../network.js';

export const SUBNET_LABEL_PREFIX = 'subnet.nimbo.dev/';

export const NetworkSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  ip_range: z.string(),
  subnets: z.array(
    z.looseObject({
      type: z.string(),
      ip_range: z.string(),
      network_zone: z.string(),
      gateway: z.string().optional(),
    }),
  ),
  servers: z.array(z.number()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type HetznerNetwork = z.infer<typeof NetworkSchema>;

export function subnetLabelKey(ipRange: string): string {
  return SUBNET_LABEL_PREFIX + ipRange.replace('/', '-');
}

export function mapNetwork(n: HetznerNetwork): ProviderNetwork {
  const tags = Object.fromEntries(
    Object.entries(n.labels ?? {}).filter(([k]) => !k.startsWith(SUBNET_LABEL_PREFIX)),
  );
  return {
    externalId: String(n.id),
    name: n.name,
    cidr: n.ip_range,
    region: GLOBAL_REGION,
    state: 'available',
    isDefault: false,
    tags,
  };
}

export function mapSubnets(n: HetznerNetwork): ProviderSubnet[] {
  return n.subnets.map((s) => ({
    externalId: subnetId(n.id, s.ip_range),
    networkExternalId: String(n.id),
    name: n.labels?.[subnetLabelKey(s.ip_range)] ?? s.ip_range,
    cidr: s.ip_range,
    region: s.network_zone,
    availabilityZone: '',
    availableIps: null,
    state: 'available',
    tags: {},
  }));
}

export function subnetId(networkId: number | string, ipRange: string): string {
  return `${networkId}/${ipRange}`;
}

/** The network and range a subnet id names; anything else is a subnet Hetzner cannot have. */
export function parseSubnetId(id: string): { networkId: string; ipRange: string } {
  const m = /^(\d+)\/(\d+\.\d+\.\d+\.\d+\/\d+)$/.exec(id);
  if (!m)
    throw new ProviderNotFoundError(`Hetzner Cloud has no subnet ${id} (expected "<network id>/<ip range>")`);
  return { networkId: m[1]!, ipRange: m[2]! };
}
