/**
 * The network capability: networks (EC2 VPCs) and their subnets, the same shapes for every provider.
 * Limits per provider are checked by Nimbo before any call (lib/net/network-rules.ts).
 */
import {
  AWS_NETWORK_LIMITS,
  AZURE_NETWORK_LIMITS,
  DIGITALOCEAN_NETWORK_LIMITS,
  GCP_NETWORK_LIMITS,
  HETZNER_NETWORK_LIMITS,
  type NetworkLimits,
} from '../net/network-rules.js';
import type { Provider } from './capabilities.js';

export interface ProviderNetwork {
  externalId: string;
  name: string;
  /** '' where networks have no range of their own (NetworkLimits.networkCidr false: GCP). */
  cidr: string;
  /** "global" where networks span regions (NetworkLimits.globalNetworks: GCP). */
  region: string;
  state: string;
  isDefault: boolean;
  tags: Record<string, string>;
}

export interface ProviderSubnet {
  externalId: string;
  networkExternalId: string;
  name: string;
  cidr: string;
  region: string;
  /** '' where subnets are regional (NetworkLimits.subnetZones false: GCP, Azure). */
  availabilityZone: string;
  availableIps: number | null;
  state: string;
  tags: Record<string, string>;
}

export interface NetworkRef {
  externalId: string;
  region: string;
}

export interface CreateNetworkRequest {
  name: string;
  /** Absent where networks have no range of their own (NetworkLimits.networkCidr false). */
  cidr?: string;
  /** "global" where networks span regions. */
  region: string;
  tags?: Record<string, string>;
}

export interface CreateSubnetRequest {
  name: string;
  cidr: string;
  /** The subnet's region: its network's, or for a global network the one the caller chose. */
  region: string;
  networkExternalId: string;
  /** Absent where subnets are regional (NetworkLimits.subnetZones false). */
  availabilityZone?: string;
  tags?: Record<string, string>;
}

export interface NetworkDriver {
  listNetworks(): Promise<ProviderNetwork[]>;
  listSubnets(): Promise<ProviderSubnet[]>;
  createNetwork(req: CreateNetworkRequest): Promise<ProviderNetwork>;
  /** A network with subnets or instances is refused with a conflict (EC2 DependencyViolation). */
  deleteNetwork(ref: NetworkRef): Promise<void>;
  createSubnet(req: CreateSubnetRequest): Promise<ProviderSubnet>;
  /** A subnet with machines (network interfaces) in it is refused with a conflict. */
  deleteSubnet(ref: NetworkRef): Promise<void>;
}

/** Per provider; a provider without an entry has no network capability. The simulator copies AWS. */
export const NETWORK_LIMITS: Partial<Record<Provider, NetworkLimits>> = {
  aws: AWS_NETWORK_LIMITS,
  gcp: GCP_NETWORK_LIMITS,
  azure: AZURE_NETWORK_LIMITS,
  digitalocean: DIGITALOCEAN_NETWORK_LIMITS,
  hetzner: HETZNER_NETWORK_LIMITS,
  sim: AWS_NETWORK_LIMITS,
};
