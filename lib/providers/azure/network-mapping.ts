/** ARM's virtual networks and subnets <-> the provider-neutral shapes of network.ts. Pure functions. */
import type { Subnet, VirtualNetwork } from '@azure/arm-network';
import type { ProviderNetwork, ProviderSubnet } from '../network.js';

const VNET_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i;
const SUBNET_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i;

export interface VnetName {
  resourceGroup: string;
  vnet: string;
}

export interface SubnetName extends VnetName {
  subnet: string;
}

/** A network's externalId is its ARM id: the resource group and the name every call needs are in it. */
export function parseVnetId(id: string): VnetName | undefined {
  const m = VNET_ID.exec(id);
  return m ? { resourceGroup: m[2]!, vnet: m[3]! } : undefined;
}

export function parseSubnetId(id: string): SubnetName | undefined {
  const m = SUBNET_ID.exec(id);
  return m ? { resourceGroup: m[2]!, vnet: m[3]!, subnet: m[4]! } : undefined;
}

/** Azure's provisioningState: Succeeded is ready; Updating, Deleting, Failed say themselves. */
export function networkState(provisioningState: string | undefined): string {
  if (!provisioningState || provisioningState === 'Succeeded') return 'available';
  return provisioningState.toLowerCase();
}

/** Azure keeps five addresses of every subnet (network, gateway, two for DNS, broadcast). */
export function availableIps(cidr: string): number | null {
  const prefix = Number(/\/(\d{1,2})$/.exec(cidr)?.[1]);
  if (!Number.isInteger(prefix) || prefix > 32) return null;
  return Math.max(0, 2 ** (32 - prefix) - 5);
}

/**
 * ARM ids compare case-insensitively and Azure answers them in varying case: ids are lowercased, as the
 * compute driver records a machine's subnetId and vpcId, so a network knows the machines inside it.
 */
export const armId = (id: string | undefined) => (id ?? '').toLowerCase();

export function toProviderNetwork(vnet: VirtualNetwork): ProviderNetwork {
  return {
    externalId: armId(vnet.id),
    name: vnet.name ?? '',
    cidr: vnet.addressSpace?.addressPrefixes?.[0] ?? '',
    region: (vnet.location ?? '').toLowerCase(),
    state: networkState(vnet.provisioningState),
    isDefault: false,
    tags: { ...vnet.tags },
  };
}

/** A subnet has no location of its own: it is its virtual network's. */
export function toProviderSubnet(subnet: Subnet, vnet: { id: string; location: string }): ProviderSubnet {
  const cidr = subnet.addressPrefix ?? subnet.addressPrefixes?.[0] ?? '';
  return {
    externalId: armId(subnet.id),
    networkExternalId: armId(vnet.id),
    name: subnet.name ?? '',
    cidr,
    region: vnet.location.toLowerCase(),
    availabilityZone: '',
    availableIps: availableIps(cidr),
    state: networkState(subnet.provisioningState),
    tags: {},
  };
}
