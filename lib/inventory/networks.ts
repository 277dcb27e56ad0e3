/** Networks and subnets in the inventory, from a poll: the provider's listings first, then the writes. */

import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, NetworkDoc, SubnetDoc } from '../db/documents.js';
import type { RecordedActor, SystemActor } from '../model/actor.js';
import type { NetworkDriver, ProviderNetwork, ProviderSubnet } from '../providers/network.js';
import { tagList } from './machines.js';
import { applyResourcePoll, type ResourcePollSummary, summary } from './resources.js';

export function networkFields(cloud: CloudDoc, n: ProviderNetwork) {
  return {
    provider: cloud.provider,
    name: n.name,
    cidr: n.cidr,
    region: n.region,
    state: n.state,
    isDefault: n.isDefault,
    tags: tagList(n.tags),
  };
}

export function subnetFields(s: ProviderSubnet, networkId: string | null) {
  return {
    networkId,
    networkExternalId: s.networkExternalId,
    name: s.name,
    cidr: s.cidr,
    region: s.region,
    availabilityZone: s.availabilityZone,
    availableIps: s.availableIps,
    state: s.state,
    tags: tagList(s.tags),
  };
}

export async function pollNetworks(
  deps: ServiceDeps,
  cloud: CloudDoc,
  driver: NetworkDriver,
  actor: SystemActor | RecordedActor,
  jobId?: string,
): Promise<{ networks: ResourcePollSummary; subnets: ResourcePollSummary }> {
  const [networks, subnets] = await Promise.all([driver.listNetworks(), driver.listSubnets()]);
  const scope = { orgId: cloud.orgId, cloudId: cloud._id };
  const audit = (type: string) => ({ type, actor, ...(jobId ? { jobId } : {}) });
  const n = await applyResourcePoll<NetworkDoc, ReturnType<typeof networkFields>>(
    deps,
    { collection: collections(deps.db).networks, scope, idKind: 'network', audit: audit('network') },
    networks.map((x) => ({ externalId: x.externalId, name: x.name, fields: networkFields(cloud, x) })),
  );
  const s = await applyResourcePoll<SubnetDoc, ReturnType<typeof subnetFields>>(
    deps,
    { collection: collections(deps.db).subnets, scope, idKind: 'subnet', audit: audit('subnet') },
    subnets.map((x) => ({
      externalId: x.externalId,
      name: x.name,
      fields: subnetFields(x, n.ids.get(x.networkExternalId) ?? null),
    })),
  );
  return { networks: summary(n), subnets: summary(s) };
}
