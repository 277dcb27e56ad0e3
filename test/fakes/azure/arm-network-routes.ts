/**
 * The fake's Microsoft.Network virtual networks and subnets (arm-fake.ts), with the wire shapes of
 * virtualNetwork.json (api-version 2026-01-01, what @azure/arm-network 39 sends): the `properties`
 * envelope, `{ value, nextLink }` pages, PUT 200/201 + Azure-AsyncOperation, DELETE 202 + Location or
 * 204 when absent, and Azure's error codes: InUseSubnetCannotBeDeleted for a subnet holding a NIC,
 * NetcfgSubnetRangesOverlap / NetcfgSubnetRangeOutsideVnet for a bad subnet range.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Cidr4, cidrContains, cidrsOverlap, parseCidr4 } from '../../../lib/net/ipv4.js';
import type { RouteMatcher } from './arm-disk-routes.js';
import type { ArmFake } from './arm-fake.js';

export interface FakeSubnet {
  id: string;
  name: string;
  addressPrefix: string;
  provisioning: string;
  /** Ids of the NIC ip configurations in the subnet: while any is there the subnet cannot go. */
  ipConfigurations: string[];
}

export interface FakeVnet {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  addressPrefixes: string[];
  tags: Record<string, string>;
  provisioning: string;
  subnets: Map<string, FakeSubnet>;
}

const NETWORK = 'Microsoft.Network';
const LIST_ALL = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks$/i;
const VNET_PATH =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)(\/subnets(?:\/([^/]+))?)?$/i;

export function vnetId(fake: ArmFake, group: string, name: string): string {
  return `${fake.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Network/virtualNetworks/${name}`;
}

export function subnetJson(s: FakeSubnet) {
  return {
    id: s.id,
    name: s.name,
    etag: `W/"${s.provisioning}-${s.addressPrefix}"`,
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: {
      addressPrefix: s.addressPrefix,
      provisioningState: s.provisioning,
      ...(s.ipConfigurations.length ? { ipConfigurations: s.ipConfigurations.map((id) => ({ id })) } : {}),
    },
  };
}

export function vnetJson(v: FakeVnet) {
  return {
    id: v.id,
    name: v.name,
    type: 'Microsoft.Network/virtualNetworks',
    location: v.location,
    tags: v.tags,
    etag: `W/"${v.provisioning}"`,
    properties: {
      addressSpace: { addressPrefixes: v.addressPrefixes },
      subnets: [...v.subnets.values()].map(subnetJson),
      provisioningState: v.provisioning,
      resourceGuid: `guid-${v.name}`,
    },
  };
}

/** A virtual network as if made outside Nimbo (the portal, Terraform), Succeeded at once. */
export function seedVnet(
  fake: ArmFake,
  v: { resourceGroup: string; name: string; location: string; addressPrefixes: string[] } & Partial<FakeVnet>,
): FakeVnet {
  const vnet: FakeVnet = {
    id: vnetId(fake, v.resourceGroup, v.name),
    tags: {},
    provisioning: 'Succeeded',
    subnets: new Map(),
    ...v,
  };
  fake.resourceGroups.set(v.resourceGroup.toLowerCase(), v.location);
  fake.vnets.set(vnet.id.toLowerCase(), vnet);
  return vnet;
}

export function seedSubnet(vnet: FakeVnet, name: string, addressPrefix: string): FakeSubnet {
  const subnet: FakeSubnet = {
    id: `${vnet.id}/subnets/${name}`,
    name,
    addressPrefix,
    provisioning: 'Succeeded',
    ipConfigurations: [],
  };
  vnet.subnets.set(name.toLowerCase(), subnet);
  return subnet;
}

/** A NIC's ip configuration in the subnet, as a VM made outside Nimbo would hold; false when no such subnet. */
export function attachNic(fake: ArmFake, subnetId: string, nicName: string): boolean {
  const m = VNET_PATH.exec(subnetId);
  const vnet = m ? fake.vnets.get(vnetId(fake, m[1]!, m[2]!).toLowerCase()) : undefined;
  const subnet = m?.[4] ? vnet?.subnets.get(m[4].toLowerCase()) : undefined;
  if (!vnet || !subnet) return false;
  subnet.ipConfigurations.push(
    `${fake.subscriptionPath}/resourceGroups/${vnet.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${nicName}/ipConfigurations/ipconfig1`,
  );
  return true;
}

function inUse(fake: ArmFake, req: IncomingMessage, res: ServerResponse, s: FakeSubnet) {
  fake.error(
    res,
    req,
    400,
    'InUseSubnetCannotBeDeleted',
    `Subnet ${s.name} is in use by ${s.ipConfigurations[0]} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
  );
}

/** A PUT's answer: the resource as it now is (Updating), Succeeded once its operation is polled to the end. */
function provision(
  fake: ArmFake,
  req: IncomingMessage,
  res: ServerResponse,
  location: string,
  resource: { provisioning: string },
  json: () => unknown,
  created: boolean,
) {
  resource.provisioning = 'Updating';
  const apply = () => {
    resource.provisioning = 'Succeeded';
  };
  fake.startOperation(res, req, location, { apply, result: json }, created ? 201 : 200, json(), NETWORK);
}

/** Microsoft.Network's rule for resource names: word characters, '.', '-', '_'; up to 80; ending in a word character or '_'. */
const RESOURCE_NAME = /^\w(?:[\w.-]{0,78}\w)?$/;

function invalidName(fake: ArmFake, req: IncomingMessage, res: ServerResponse, name: string): boolean {
  if (RESOURCE_NAME.test(name)) return false;
  fake.error(
    res,
    req,
    400,
    'InvalidResourceName',
    `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
  );
  return true;
}

/** A DELETE's answer: 202, the resource Deleting until its operation ends (gone), or back if it fails. */
function deprovision(
  fake: ArmFake,
  req: IncomingMessage,
  res: ServerResponse,
  location: string,
  resource: { provisioning: string },
  remove: () => void,
) {
  const before = resource.provisioning;
  resource.provisioning = 'Deleting';
  const rollback = () => {
    resource.provisioning = before;
  };
  fake.startOperation(res, req, location, { apply: remove, rollback }, 202, undefined, NETWORK);
}

function cidr(text: unknown): Cidr4 | undefined {
  const parsed = typeof text === 'string' ? parseCidr4(text) : undefined;
  return parsed?.ok ? parsed.cidr : undefined;
}

export const networkRoute: RouteMatcher = (fake, method, path, query, body) => {
  if (method === 'GET' && LIST_ALL.test(path)) {
    return (req, res) => fake.sendPage(res, req, query, fake.vnets.values(), vnetJson);
  }
  const m = VNET_PATH.exec(path);
  if (!m) return undefined;
  const [, group, name, subnets, subnetName] = m as unknown as [string, string, string, string?, string?];
  const vnet = fake.vnets.get(vnetId(fake, group, name).toLowerCase());
  const missing = (req: IncomingMessage, res: ServerResponse) =>
    fake.notFound(res, req, 'Microsoft.Network/virtualNetworks', group, name);
  if (!subnets) {
    if (method === 'PUT') return (req, res) => putVnet(fake, req, res, { group, name }, body);
    if (method === 'DELETE' && !vnet) return (req, res) => fake.send(res, req, 204, undefined);
    if (!vnet) return missing;
    if (method === 'GET') return (req, res) => fake.send(res, req, 200, vnetJson(vnet));
    if (method === 'DELETE') {
      return (req, res) => {
        const busy = [...vnet.subnets.values()].find((s) => s.ipConfigurations.length > 0);
        if (busy) return inUse(fake, req, res, busy);
        deprovision(fake, req, res, vnet.location, vnet, () => fake.vnets.delete(vnet.id.toLowerCase()));
      };
    }
    return undefined;
  }
  if (!vnet) return missing;
  if (!subnetName) {
    if (method !== 'GET') return undefined;
    return (req, res) => fake.sendPage(res, req, query, vnet.subnets.values(), subnetJson);
  }
  const subnet = vnet.subnets.get(subnetName.toLowerCase());
  if (method === 'PUT') return (req, res) => putSubnet(fake, req, res, vnet, subnetName, body);
  if (method === 'DELETE' && !subnet) return (req, res) => fake.send(res, req, 204, undefined);
  if (!subnet) {
    return (req, res) =>
      fake.error(res, req, 404, 'NotFound', `Resource ${vnet.id}/subnets/${subnetName} not found.`);
  }
  if (method === 'GET') return (req, res) => fake.send(res, req, 200, subnetJson(subnet));
  if (method === 'DELETE') {
    return (req, res) => {
      if (subnet.ipConfigurations.length > 0) return inUse(fake, req, res, subnet);
      deprovision(fake, req, res, vnet.location, subnet, () => vnet.subnets.delete(subnetName.toLowerCase()));
    };
  }
  return undefined;
};

/** PUT of a virtual network `at` its group and name: made (201) or its address space and tags replaced (200). */
function putVnet(
  fake: ArmFake,
  req: IncomingMessage,
  res: ServerResponse,
  at: { group: string; name: string },
  body: Record<string, unknown>,
) {
  const { group, name } = at;
  if (!fake.requireGroup(res, req, group) || invalidName(fake, req, res, name)) return;
  const props = (body.properties ?? {}) as { addressSpace?: { addressPrefixes?: unknown[] } };
  const prefixes = props.addressSpace?.addressPrefixes ?? [];
  const bad = prefixes.find((p) => !cidr(p));
  if (bad !== undefined || prefixes.length === 0) {
    return fake.error(
      res,
      req,
      400,
      'InvalidAddressPrefixFormat',
      `Address prefix ${String(bad ?? '(none)')} of resource ${vnetId(fake, group, name)} is not formatted correctly.`,
    );
  }
  const key = vnetId(fake, group, name).toLowerCase();
  const existing = fake.vnets.get(key);
  const vnet =
    existing ??
    seedVnet(fake, {
      resourceGroup: group,
      name,
      location: String(body.location),
      addressPrefixes: prefixes as string[],
    });
  vnet.addressPrefixes = prefixes as string[];
  vnet.tags = (body.tags as Record<string, string>) ?? {};
  provision(fake, req, res, vnet.location, vnet, () => vnetJson(vnet), !existing);
}

function putSubnet(
  fake: ArmFake,
  req: IncomingMessage,
  res: ServerResponse,
  vnet: FakeVnet,
  name: string,
  body: Record<string, unknown>,
) {
  if (invalidName(fake, req, res, name)) return;
  const prefix = ((body.properties ?? {}) as { addressPrefix?: unknown }).addressPrefix;
  const range = cidr(prefix);
  if (!range) {
    return fake.error(
      res,
      req,
      400,
      'InvalidAddressPrefixFormat',
      `Address prefix ${String(prefix)} of resource ${vnet.id}/subnets/${name} is not formatted correctly.`,
    );
  }
  if (!vnet.addressPrefixes.some((p) => cidrContains(cidr(p)!, range))) {
    return fake.error(
      res,
      req,
      400,
      'NetcfgSubnetRangeOutsideVnet',
      `Subnet '${name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnet.name}'.`,
    );
  }
  const clash = [...vnet.subnets.values()].find(
    (s) => s.name.toLowerCase() !== name.toLowerCase() && cidrsOverlap(cidr(s.addressPrefix)!, range),
  );
  if (clash) {
    return fake.error(
      res,
      req,
      400,
      'NetcfgSubnetRangesOverlap',
      `Subnet '${name}' is not valid because its IP address range overlaps with that of an existing subnet '${clash.name}' in virtual network '${vnet.name}'.`,
    );
  }
  const existing = vnet.subnets.get(name.toLowerCase());
  const subnet = existing ?? seedSubnet(vnet, name, String(prefix));
  subnet.addressPrefix = String(prefix);
  provision(fake, req, res, vnet.location, subnet, () => subnetJson(subnet), !existing);
}
