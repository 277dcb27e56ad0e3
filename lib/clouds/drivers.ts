/**
 * Opening a cloud's drivers: one registry table per capability (compute, dns, network), provider → factory,
 * as libcloud's DRIVERS tables. Sealed credentials are opened only here, only in memory; the simulator
 * gets its MongoDB-backed state and the ssh driver a way to run commands. Domains get a driver and never
 * branch on the provider.
 */
import type { ServiceDeps } from '../core/deps.js';
import { ConfigurationError, NotFoundError, UnprocessableError } from '../core/errors.js';
import { getDataKey } from '../crypto/data-key.js';
import { type SealedValue, seal, unseal } from '../crypto/sealed.js';
import { collections } from '../db/collections.js';
import type { CloudDoc } from '../db/documents.js';
import { MongoSimNetStore } from '../db/sim-net-store.js';
import { MongoSimStore } from '../db/sim-store.js';
import { machineExec } from '../keys/ssh-access.js';
import { AwsComputeDriver } from '../providers/aws/compute.js';
import type { AwsCredentials } from '../providers/aws/credentials.js';
import { AwsDnsDriver } from '../providers/aws/dns.js';
import { AwsNetworkDriver } from '../providers/aws/network.js';
import type { AzureCredentials } from '../providers/azure/credentials.js';
import { CAPABILITIES, type Provider } from '../providers/capabilities.js';
import type { ComputeDriver } from '../providers/compute.js';
import type { DigitalOceanCredentials } from '../providers/digitalocean/credentials.js';
import type { DnsDriver } from '../providers/dns.js';
import type { GcpCredentials } from '../providers/gcp/credentials.js';
import type { HetznerCredentials } from '../providers/hetzner/credentials.js';
import type { NetworkDriver } from '../providers/network.js';
import { SimComputeDriver, type SimSettings } from '../providers/sim/compute.js';
import { SimDnsDriver } from '../providers/sim/dns.js';
import { SimNetworkDriver } from '../providers/sim/network.js';
import { SshComputeDriver, type SshRunner, type SshSettings } from '../providers/ssh/compute.js';

/** The sealed credentials are bound to their cloud and org: copied elsewhere, they do not open. */
export function credentialsContext(orgId: string, cloudId: string): string {
  return `nimbo:cloud:${orgId}:${cloudId}`;
}

export async function sealCredentials(
  orgId: string,
  cloudId: string,
  credentials: unknown,
): Promise<SealedValue> {
  return seal(await getDataKey(), JSON.stringify(credentials), credentialsContext(orgId, cloudId));
}

async function openCredentials(cloud: CloudDoc): Promise<unknown> {
  if (!cloud.credentials) throw new ConfigurationError(`Cloud ${cloud._id} has no credentials`);
  return JSON.parse(
    unseal(await getDataKey(), cloud.credentials, credentialsContext(cloud.orgId, cloud._id)),
  );
}

export interface DriverSpec {
  cloudId: string;
  provider: Provider;
  regions: string[];
  settings: Record<string, unknown> | null;
  credentials: unknown;
  /** The owning org: the ssh driver's commands look up the host's keys and pin in it. */
  orgId?: string;
}

/** A factory may load its provider's SDK first (dynamic import): SDKs load on first use only. */
type DriverFactory<D> = (deps: ServiceDeps, spec: DriverSpec) => D | Promise<D>;

/** The ssh driver gets a way to run commands, not the database: keys and pins stay on this side. */
function sshRunner(deps: ServiceDeps, spec: DriverSpec): SshRunner {
  return async (ref, command, o) => {
    const machine = await collections(deps.db).machines.findOne({
      orgId: spec.orgId ?? '',
      cloudId: spec.cloudId,
      externalId: ref.externalId,
    });
    if (!machine)
      throw new NotFoundError(`Host ${ref.externalId} is not registered in cloud ${spec.cloudId}`);
    return machineExec(deps, machine, command, { ...o, maxOutputBytes: 16 * 1024 });
  };
}

const simSettings = (spec: DriverSpec) => spec.settings as unknown as SimSettings;
const awsCredentials = (spec: DriverSpec) => spec.credentials as AwsCredentials;

/** The cloud's API base URL override (`settings.endpoint`, lib/clouds/endpoint.ts), when it has one. */
function endpointOf(spec: DriverSpec): { endpoint?: string } {
  const endpoint = spec.settings?.endpoint;
  return typeof endpoint === 'string' ? { endpoint } : {};
}

/** What every API-driven cloud's driver is configured with. */
function cloudConfig(spec: DriverSpec) {
  return { cloudId: spec.cloudId, regions: spec.regions, credentials: spec.credentials, ...endpointOf(spec) };
}

const gcpConfig = (spec: DriverSpec) => ({
  ...cloudConfig(spec),
  credentials: spec.credentials as GcpCredentials,
});
const azureConfig = (spec: DriverSpec) => ({
  ...cloudConfig(spec),
  credentials: spec.credentials as AzureCredentials,
});
const digitalOceanConfig = (spec: DriverSpec) => ({
  ...cloudConfig(spec),
  credentials: spec.credentials as DigitalOceanCredentials,
});
const hetznerConfig = (spec: DriverSpec) => ({
  ...cloudConfig(spec),
  credentials: spec.credentials as HetznerCredentials,
});
/** `settings.endpointCa`: a CA the Azure SDK's TLS trusts besides the public ones (a fake, a private endpoint). */
function azureDeps(spec: DriverSpec): { tlsCa?: string } {
  const ca = spec.settings?.endpointCa;
  return typeof ca === 'string' ? { tlsCa: ca } : {};
}

export const COMPUTE_DRIVERS: Record<Provider, DriverFactory<ComputeDriver>> = {
  sim: (deps, spec) =>
    new SimComputeDriver(simSettings(spec), {
      store: new MongoSimStore(deps.db, spec.cloudId),
      networks: new MongoSimNetStore(deps.db, spec.cloudId),
      now: deps.now,
    }),
  aws: (_deps, spec) => new AwsComputeDriver({ ...cloudConfig(spec), credentials: awsCredentials(spec) }),
  // The driver modules are small; each loads its SDK on its first call (chunks/ in the bundle).
  gcp: async (_deps, spec) => {
    const { GcpComputeDriver } = await import('../providers/gcp/compute.js');
    return new GcpComputeDriver(gcpConfig(spec));
  },
  azure: async (_deps, spec) => {
    const { AzureComputeDriver } = await import('../providers/azure/compute.js');
    return new AzureComputeDriver(azureConfig(spec), azureDeps(spec));
  },
  digitalocean: async (_deps, spec) => {
    const { DigitalOceanComputeDriver } = await import('../providers/digitalocean/compute.js');
    return new DigitalOceanComputeDriver(digitalOceanConfig(spec));
  },
  hetzner: async (_deps, spec) => {
    const { HetznerComputeDriver } = await import('../providers/hetzner/compute.js');
    return new HetznerComputeDriver(hetznerConfig(spec));
  },
  ssh: (deps, spec) =>
    new SshComputeDriver((spec.settings ?? { hosts: [] }) as unknown as SshSettings, sshRunner(deps, spec)),
};

export const DNS_DRIVERS: Partial<Record<Provider, DriverFactory<DnsDriver>>> = {
  sim: (deps, spec) =>
    new SimDnsDriver(simSettings(spec), {
      store: new MongoSimNetStore(deps.db, spec.cloudId),
      now: deps.now,
    }),
  aws: (_deps, spec) => new AwsDnsDriver({ ...cloudConfig(spec), credentials: awsCredentials(spec) }),
  gcp: async (_deps, spec) => {
    const { GcpDnsDriver } = await import('../providers/gcp/dns.js');
    return new GcpDnsDriver(gcpConfig(spec));
  },
  azure: async (_deps, spec) => {
    const { AzureDnsDriver } = await import('../providers/azure/dns.js');
    return new AzureDnsDriver(azureConfig(spec), azureDeps(spec));
  },
  digitalocean: async (_deps, spec) => {
    const { DigitalOceanDnsDriver } = await import('../providers/digitalocean/dns.js');
    return new DigitalOceanDnsDriver(digitalOceanConfig(spec));
  },
  hetzner: async (_deps, spec) => {
    const { HetznerDnsDriver } = await import('../providers/hetzner/dns.js');
    return new HetznerDnsDriver(hetznerConfig(spec));
  },
};

export const NETWORK_DRIVERS: Partial<Record<Provider, DriverFactory<NetworkDriver>>> = {
  sim: (deps, spec) =>
    new SimNetworkDriver(simSettings(spec), {
      store: new MongoSimNetStore(deps.db, spec.cloudId),
      machines: new MongoSimStore(deps.db, spec.cloudId),
      now: deps.now,
    }),
  aws: (_deps, spec) => new AwsNetworkDriver({ ...cloudConfig(spec), credentials: awsCredentials(spec) }),
  gcp: async (_deps, spec) => {
    const { GcpNetworkDriver } = await import('../providers/gcp/network.js');
    return new GcpNetworkDriver(gcpConfig(spec));
  },
  azure: async (_deps, spec) => {
    const { AzureNetworkDriver } = await import('../providers/azure/network.js');
    return new AzureNetworkDriver(azureConfig(spec), azureDeps(spec));
  },
  digitalocean: async (_deps, spec) => {
    const { DigitalOceanNetworkDriver } = await import('../providers/digitalocean/network.js');
    return new DigitalOceanNetworkDriver(digitalOceanConfig(spec));
  },
  hetzner: async (_deps, spec) => {
    const { HetznerNetworkDriver } = await import('../providers/hetzner/network.js');
    return new HetznerNetworkDriver(hetznerConfig(spec));
  },
};

const UNSUPPORTED = { dns: 'DNS zones and records are', network: 'Networks and subnets are' } as const;

/** 422 before anything is called when the provider lacks the capability (capabilities.ts). */
export function requireCapability(provider: Provider, capability: 'dns' | 'network'): void {
  if (!CAPABILITIES[provider]?.[capability]) {
    throw new UnprocessableError(`${UNSUPPORTED[capability]} not supported by the ${provider} provider`);
  }
}

function registered<D>(
  table: Partial<Record<Provider, DriverFactory<D>>>,
  capability: 'dns' | 'network',
  provider: Provider,
): DriverFactory<D> {
  requireCapability(provider, capability);
  const factory = table[provider];
  if (!factory) {
    throw new UnprocessableError(`${UNSUPPORTED[capability]} not supported by the ${provider} provider`);
  }
  return factory;
}

export async function buildComputeDriver(deps: ServiceDeps, spec: DriverSpec): Promise<ComputeDriver> {
  return await COMPUTE_DRIVERS[spec.provider](deps, spec);
}

export async function buildDnsDriver(deps: ServiceDeps, spec: DriverSpec): Promise<DnsDriver> {
  return await registered(DNS_DRIVERS, 'dns', spec.provider)(deps, spec);
}

export async function buildNetworkDriver(deps: ServiceDeps, spec: DriverSpec): Promise<NetworkDriver> {
  return await registered(NETWORK_DRIVERS, 'network', spec.provider)(deps, spec);
}

async function driverSpec(cloud: CloudDoc): Promise<DriverSpec> {
  return {
    cloudId: cloud._id,
    provider: cloud.provider,
    regions: cloud.regions,
    settings: cloud.settings,
    // The simulator and ssh hosts hold none (hosts log in with the org's keys).
    credentials: cloud.credentials ? await openCredentials(cloud) : null,
    orgId: cloud.orgId,
  };
}

export async function computeDriverFor(deps: ServiceDeps, cloud: CloudDoc): Promise<ComputeDriver> {
  return buildComputeDriver(deps, await driverSpec(cloud));
}

export async function dnsDriverFor(deps: ServiceDeps, cloud: CloudDoc): Promise<DnsDriver> {
  requireCapability(cloud.provider, 'dns');
  return buildDnsDriver(deps, await driverSpec(cloud));
}

export async function networkDriverFor(deps: ServiceDeps, cloud: CloudDoc): Promise<NetworkDriver> {
  requireCapability(cloud.provider, 'network');
  return buildNetworkDriver(deps, await driverSpec(cloud));
}

/**
 * What a GCP price region's refresh needs of the cloud that asked for it (lib/costs/prices.ts): its
 * service account and endpoint, opened as for its drivers, and the machine types (vCPUs, memory) of the
 * first zone of `region`, read through its compute driver. Null when the cloud is gone or is not GCP's.
 */
export async function gcpPriceAccess(
  deps: ServiceDeps,
  ref: { orgId: string; cloudId: string },
  region: string,
): Promise<{
  credentials: GcpCredentials;
  endpoint?: string;
  machineTypes: Array<{ name: string; cpus: number; memoryMiB: number }>;
} | null> {
  const cloud = await collections(deps.db).clouds.findOne({ _id: ref.cloudId, orgId: ref.orgId });
  if (cloud?.provider !== 'gcp' || !cloud.credentials) return null;
  const spec = { ...(await driverSpec(cloud)), regions: [region] };
  const sizes = await (await buildComputeDriver(deps, spec)).listSizes();
  return {
    credentials: spec.credentials as GcpCredentials,
    ...endpointOf(spec),
    machineTypes: sizes.map((s) => ({ name: s.id, cpus: s.cpus, memoryMiB: s.memoryMiB })),
  };
}
