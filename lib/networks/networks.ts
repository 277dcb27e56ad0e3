/**
 * Networks (VPCs) and subnets: the inventory (polled like machines) and the operations on it. Requests
 * are checked against the provider's rules (lib/net/network-rules.ts) and against what the inventory
 * knows (sibling subnets, machines inside) before anything is called; the provider's own refusals
 * (DependencyViolation, ...) still answer as conflicts.
 */

import type { Filter } from 'mongodb';
import { audited } from '../audit/audited.js';
import { networkDriverFor, requireCapability } from '../clouds/drivers.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, MachineDoc, NetworkDoc, SubnetDoc } from '../db/documents.js';
import { findCloud, findNetwork, findOwned } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { networkFields, subnetFields } from '../inventory/networks.js';
import { missingFilter, recordSeen, requireEnabled, seenView } from '../inventory/polled.js';
import type { Actor } from '../model/actor.js';
import { searchRegex } from '../model/list.js';
import type { NetworkView, SubnetView } from '../model/network.js';
import { cidrRange, parseCidr4 } from '../net/ipv4.js';
import {
  checkNetworkRequest,
  checkSubnetRequest,
  GLOBAL_REGION,
  type NetworkLimits,
  type RuleProblem,
} from '../net/network-rules.js';
import { NETWORK_LIMITS } from '../providers/network.js';
import { SIM_LOCATIONS, SIM_REGIONS } from '../providers/sim/catalog.js';

function range(cidr: string) {
  const c = parseCidr4(cidr);
  return c.ok ? cidrRange(c.cidr) : null;
}

const tagRecord = (tags: Array<{ k: string; v: string }>) => Object.fromEntries(tags.map((t) => [t.k, t.v]));

export function toNetworkView(doc: NetworkDoc): NetworkView {
  return {
    id: doc._id,
    cloudId: doc.cloudId,
    provider: doc.provider,
    externalId: doc.externalId,
    name: doc.name,
    cidr: doc.cidr,
    range: range(doc.cidr),
    region: doc.region,
    state: doc.state,
    isDefault: doc.isDefault,
    tags: tagRecord(doc.tags),
    ...seenView(doc),
  };
}

export function toSubnetView(doc: SubnetDoc): SubnetView {
  return {
    id: doc._id,
    cloudId: doc.cloudId,
    networkId: doc.networkId,
    externalId: doc.externalId,
    name: doc.name,
    cidr: doc.cidr,
    range: range(doc.cidr),
    region: doc.region,
    availabilityZone: doc.availabilityZone,
    availableIps: doc.availableIps,
    state: doc.state,
    tags: tagRecord(doc.tags),
    ...seenView(doc),
  };
}

async function networkCloud(
  deps: ServiceDeps,
  orgId: string,
  cloudId: string,
): Promise<{ cloud: CloudDoc; limits: NetworkLimits }> {
  const cloud = await findCloud(deps, orgId, cloudId);
  requireCapability(cloud.provider, 'network');
  return { cloud, limits: NETWORK_LIMITS[cloud.provider]! };
}

function cloudRegions(cloud: CloudDoc): readonly string[] {
  return cloud.provider === 'sim' ? SIM_REGIONS : cloud.regions;
}

function regionProblem(cloud: CloudDoc, region: string): string | undefined {
  return cloudRegions(cloud).includes(region)
    ? undefined
    : `must be one of the cloud's regions: ${cloudRegions(cloud).join(', ')}`;
}

/** A global network (GCP) lives in "global"; any other in one of the cloud's regions. */
function networkRegionProblem(cloud: CloudDoc, limits: NetworkLimits, region: string): string | undefined {
  if (!limits.globalNetworks) return regionProblem(cloud, region);
  return region === GLOBAL_REGION
    ? undefined
    : `${cloud.provider} networks span every region: the region is "${GLOBAL_REGION}" (subnets name theirs)`;
}

/** Where a global network's subnets may sit: the cloud's regions, or the zones they are in (Hetzner). */
function subnetRegions(cloud: CloudDoc, limits: NetworkLimits): string[] {
  const regions = cloudRegions(cloud);
  const of = limits.subnetRegions?.of;
  if (!of) return [...regions];
  return [...new Set(regions.map(of).filter((r): r is string => r !== undefined))];
}

/**
 * Where a subnet goes: in a global network, the region the caller names; in a regional one, the network's.
 * A zone only where the provider places subnets in zones.
 */
function subnetPlacement(
  cloud: CloudDoc,
  limits: NetworkLimits,
  network: NetworkDoc,
  body: { region?: string | undefined; availabilityZone?: string | undefined },
): { region: string; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  let region = network.region;
  if (limits.globalNetworks) {
    region = body.region ?? '';
    const allowed = subnetRegions(cloud, limits);
    const problem = !body.region
      ? `a subnet of a global network needs its region: one of ${allowed.join(', ')}`
      : allowed.includes(body.region)
        ? undefined
        : limits.subnetRegions
          ? `must be ${limits.subnetRegions.what}: ${allowed.join(', ')}`
          : `must be one of the cloud's regions: ${allowed.join(', ')}`;
    if (problem) problems.push({ path: 'region', message: problem });
  } else if (body.region !== undefined && body.region !== network.region) {
    problems.push({ path: 'region', message: `a subnet is in its network's region, ${network.region}` });
  }
  if (!limits.subnetZones) {
    if (body.availabilityZone !== undefined) {
      problems.push({
        path: 'availabilityZone',
        message: `${cloud.provider} subnets span their region: leave availabilityZone out`,
      });
    }
  } else {
    // A missing zone gets the same answer as a wrong one: which zones there are.
    const az = zoneProblem(cloud, region, body.availabilityZone ?? '');
    if (az) problems.push({ path: 'availabilityZone', message: az });
  }
  return { region, problems };
}

/** Machines of the inventory inside a network or subnet, by the provider ids a poll records. */
function machinesIn(
  orgId: string,
  cloudId: string,
  field: 'vpcId' | 'subnetId',
  externalId: string,
): Filter<MachineDoc> {
  return { orgId, cloudId, missingSince: null, state: { $ne: 'terminated' }, [`extra.${field}`]: externalId };
}

export async function listNetworks(
  deps: ServiceDeps,
  orgId: string,
  cloudId: string,
  query: PageRequest & { q?: string; region?: string; missing?: 'true' | 'false' | 'any' },
): Promise<Page<NetworkView>> {
  await networkCloud(deps, orgId, cloudId);
  const filter: Filter<NetworkDoc> = { orgId, cloudId, ...missingFilter(query.missing) };
  if (query.q) filter.name = searchRegex(query.q);
  if (query.region) filter.region = query.region;
  const page = await findPage(collections(deps.db).networks, filter, query);
  return { items: page.items.map(toNetworkView), nextCursor: page.nextCursor };
}

export async function getNetworkDetail(deps: ServiceDeps, orgId: string, networkId: string) {
  const network = await findNetwork(deps, orgId, networkId);
  const { subnets, machines } = collections(deps.db);
  const [subs, count] = await Promise.all([
    subnets.find({ orgId, networkId, missingSince: null }).sort({ name: 1, _id: 1 }).toArray(),
    machines.countDocuments(machinesIn(orgId, network.cloudId, 'vpcId', network.externalId)),
  ]);
  return { ...toNetworkView(network), subnets: subs.map(toSubnetView), machines: count };
}

export async function createNetwork(
  deps: ServiceDeps,
  actor: Actor,
  cloudId: string,
  body: {
    name: string;
    cidr?: string | undefined;
    region: string;
    tags?: Record<string, string> | undefined;
  },
  requestId: string,
): Promise<NetworkView> {
  const { cloud, limits } = await networkCloud(deps, actor.orgId, cloudId);
  requireEnabled(cloud);
  const check = checkNetworkRequest(body, limits);
  const problems = check.ok ? [] : [...check.problems];
  const region = networkRegionProblem(cloud, limits, body.region);
  if (region) problems.push({ path: 'region', message: region });
  if (problems.length) throw unprocessable(problems);
  const { networks } = collections(deps.db);
  const twin = await networks.findOne({ orgId: actor.orgId, cloudId, name: body.name, missingSince: null });
  if (twin)
    throw new ConflictError(`A network named "${body.name}" already exists in this cloud (${twin._id})`);
  const driver = await networkDriverFor(deps, cloud);
  const created = await audited(
    deps,
    {
      actor,
      action: 'network.create',
      resource: { type: 'cloud', id: cloud._id, name: cloud.name },
      requestId,
      details: { name: body.name, cidr: body.cidr, region: body.region },
    },
    () => driver.createNetwork(body),
  );
  const doc = await recordSeen(
    deps,
    networks,
    { orgId: actor.orgId, cloudId },
    created.externalId,
    'network',
    networkFields(cloud, created),
  );
  return toNetworkView(doc);
}

export async function deleteNetwork(deps: ServiceDeps, actor: Actor, networkId: string, requestId: string) {
  const network = await findNetwork(deps, actor.orgId, networkId);
  const { cloud, limits } = await networkCloud(deps, actor.orgId, network.cloudId);
  requireEnabled(cloud);
  const { subnets, machines, networks } = collections(deps.db);
  const [subnetCount, machineCount] = await Promise.all([
    subnets.countDocuments({ orgId: actor.orgId, networkId, missingSince: null }),
    machines.countDocuments(machinesIn(actor.orgId, cloud._id, 'vpcId', network.externalId)),
  ]);
  if (machineCount || (subnetCount && !limits.deleteWithSubnets)) {
    throw new ConflictError(
      `Network ${network.name} still has ${subnetCount} subnets and ${machineCount} machines: delete them first`,
      { details: { subnets: subnetCount, machines: machineCount } },
    );
  }
  const driver = await networkDriverFor(deps, cloud);
  await audited(
    deps,
    {
      actor,
      action: 'network.delete',
      resource: { type: 'network', id: network._id, name: network.name },
      requestId,
    },
    () => driver.deleteNetwork({ externalId: network.externalId, region: network.region }),
  );
  await subnets.deleteMany({ orgId: actor.orgId, networkId });
  await networks.deleteOne({ _id: networkId, orgId: actor.orgId });
}

export async function listSubnets(
  deps: ServiceDeps,
  orgId: string,
  networkId: string,
  query: PageRequest & { q?: string; missing?: 'true' | 'false' | 'any' },
): Promise<Page<SubnetView>> {
  await findNetwork(deps, orgId, networkId);
  const filter: Filter<SubnetDoc> = { orgId, networkId, ...missingFilter(query.missing) };
  if (query.q) filter.name = searchRegex(query.q);
  const page = await findPage(collections(deps.db).subnets, filter, query);
  return { items: page.items.map(toSubnetView), nextCursor: page.nextCursor };
}

function zoneProblem(cloud: CloudDoc, region: string, zone: string): string | undefined {
  if (cloud.provider === 'sim') {
    return SIM_LOCATIONS.some((l) => l.id === zone && l.region === region)
      ? undefined
      : `must be a zone of ${region}: ${SIM_LOCATIONS.filter((l) => l.region === region)
          .map((l) => l.id)
          .join(', ')}`;
  }
  // EC2 zones are the region plus a letter (eu-west-1a), or a local zone (us-west-2-lax-1a).
  return new RegExp(`^${region}(-[a-z0-9]+)*[a-z]$`).test(zone)
    ? undefined
    : `must be a zone of ${region}, e.g. ${region}a`;
}

export async function createSubnet(
  deps: ServiceDeps,
  actor: Actor,
  networkId: string,
  body: {
    name: string;
    cidr: string;
    region?: string | undefined;
    availabilityZone?: string | undefined;
    tags?: Record<string, string> | undefined;
  },
  requestId: string,
): Promise<SubnetView> {
  const network = await findNetwork(deps, actor.orgId, networkId);
  const { cloud, limits } = await networkCloud(deps, actor.orgId, network.cloudId);
  requireEnabled(cloud);
  if (!limits.subnets) {
    throw unprocessable([
      {
        path: 'networkId',
        message: `${cloud.provider} networks have no subnets: a machine joins the network itself (give the network's externalId as subnetId when creating one)`,
      },
    ]);
  }
  if (network.missingSince)
    throw unprocessable([{ path: 'networkId', message: 'the network is missing from its cloud' }]);
  const { subnets } = collections(deps.db);
  const siblings = await subnets.find({ orgId: actor.orgId, networkId, missingSince: null }).toArray();
  const check = checkSubnetRequest(body, network, siblings, limits);
  const placement = subnetPlacement(cloud, limits, network, body);
  const problems = [...(check.ok ? [] : check.problems), ...placement.problems];
  if (problems.length) throw unprocessable(problems);
  const driver = await networkDriverFor(deps, cloud);
  const created = await audited(
    deps,
    {
      actor,
      action: 'subnet.create',
      resource: { type: 'network', id: network._id, name: network.name },
      requestId,
      details: {
        name: body.name,
        cidr: body.cidr,
        region: placement.region,
        availabilityZone: body.availabilityZone,
      },
    },
    () =>
      driver.createSubnet({
        ...body,
        region: placement.region,
        networkExternalId: network.externalId,
      }),
  );
  const doc = await recordSeen(
    deps,
    subnets,
    { orgId: actor.orgId, cloudId: cloud._id },
    created.externalId,
    'subnet',
    subnetFields(created, network._id),
  );
  return toSubnetView(doc);
}

export async function deleteSubnet(
  deps: ServiceDeps,
  actor: Actor,
  networkId: string,
  subnetId: string,
  requestId: string,
): Promise<void> {
  const network = await findNetwork(deps, actor.orgId, networkId);
  const { subnets, machines } = collections(deps.db);
  const notFound = `Subnet ${subnetId} not found in network ${networkId}`;
  const subnet = await findOwned(subnets, actor.orgId, subnetId, notFound, { networkId });
  const { cloud } = await networkCloud(deps, actor.orgId, network.cloudId);
  requireEnabled(cloud);
  const inside = await machines.countDocuments(
    machinesIn(actor.orgId, cloud._id, 'subnetId', subnet.externalId),
  );
  if (inside) {
    throw new ConflictError(
      `Subnet ${subnet.name} still has ${inside} machines: move or destroy them first`,
      {
        details: { machines: inside },
      },
    );
  }
  const driver = await networkDriverFor(deps, cloud);
  await audited(
    deps,
    {
      actor,
      action: 'subnet.delete',
      resource: { type: 'subnet', id: subnet._id, name: subnet.name },
      requestId,
    },
    () => driver.deleteSubnet({ externalId: subnet.externalId, region: subnet.region }),
  );
  await subnets.deleteOne({ _id: subnetId, orgId: actor.orgId });
}

/** Where a machine sits: its network and subnet as the inventory knows them (provider ids from the poll). */
export async function machineNetworkRefs(deps: ServiceDeps, machine: MachineDoc) {
  const vpcId = typeof machine.extra.vpcId === 'string' ? machine.extra.vpcId : null;
  const subnetId = typeof machine.extra.subnetId === 'string' ? machine.extra.subnetId : null;
  const scope = { orgId: machine.orgId, cloudId: machine.cloudId };
  const { networks, subnets } = collections(deps.db);
  const [net, sub] = await Promise.all([
    vpcId ? networks.findOne({ ...scope, externalId: vpcId }) : null,
    subnetId ? subnets.findOne({ ...scope, externalId: subnetId }) : null,
  ]);
  const ref = (externalId: string | null, doc: NetworkDoc | SubnetDoc | null) =>
    externalId
      ? { id: doc?._id ?? null, externalId, name: doc?.name ?? null, cidr: doc?.cidr ?? null }
      : null;
  return { network: ref(vpcId, net), subnet: ref(subnetId, sub) };
}
