/**
 * Builds the compute driver of a cloud: opens its sealed credentials (only here, only in memory) and
 * hands the simulator its MongoDB-backed state. Services get a ComputeDriver and never branch on provider.
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
import { CAPABILITIES, type Provider } from '../providers/capabilities.js';
import type { ComputeDriver } from '../providers/compute.js';
import type { DnsDriver } from '../providers/dns.js';
import type { NetworkDriver } from '../providers/network.js';
import { SimComputeDriver, type SimSettings } from '../providers/sim/compute.js';
import { SimDnsDriver } from '../providers/sim/dns.js';
import { SimNetworkDriver } from '../providers/sim/network.js';
import { SshComputeDriver, type SshSettings } from '../providers/ssh/compute.js';

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

export function buildComputeDriver(deps: ServiceDeps, spec: DriverSpec): ComputeDriver {
  switch (spec.provider) {
    case 'sim':
      return new SimComputeDriver(spec.settings as unknown as SimSettings, {
        store: new MongoSimStore(deps.db, spec.cloudId),
        networks: new MongoSimNetStore(deps.db, spec.cloudId),
        now: deps.now,
      });
    case 'aws':
      return new AwsComputeDriver({
        cloudId: spec.cloudId,
        regions: spec.regions,
        credentials: spec.credentials as AwsCredentials,
      });
    case 'ssh':
      // The driver gets a way to run commands, not the database: keys and pins stay on this side.
      return new SshComputeDriver(
        (spec.settings ?? { hosts: [] }) as unknown as SshSettings,
        async (ref, command, o) => {
          const machine = await collections(deps.db).machines.findOne({
            orgId: spec.orgId ?? '',
            cloudId: spec.cloudId,
            externalId: ref.externalId,
          });
          if (!machine)
            throw new NotFoundError(`Host ${ref.externalId} is not registered in cloud ${spec.cloudId}`);
          return machineExec(deps, machine, command, { ...o, maxOutputBytes: 16 * 1024 });
        },
      );
  }
}

export async function computeDriverFor(deps: ServiceDeps, cloud: CloudDoc): Promise<ComputeDriver> {
  return buildComputeDriver(deps, await driverSpec(cloud));
}

/** 422 before anything is called when the provider lacks the capability (capabilities.ts). */
export function requireCapability(provider: Provider, capability: 'dns' | 'network'): void {
  if (!CAPABILITIES[provider]?.[capability]) {
    const what = capability === 'dns' ? 'DNS zones and records are' : 'Networks and subnets are';
    throw new UnprocessableError(`${what} not supported by the ${provider} provider`);
  }
}

export function buildDnsDriver(deps: ServiceDeps, spec: DriverSpec): DnsDriver {
  requireCapability(spec.provider, 'dns');
  switch (spec.provider) {
    case 'sim':
      return new SimDnsDriver(spec.settings as unknown as SimSettings, {
        store: new MongoSimNetStore(deps.db, spec.cloudId),
        now: deps.now,
      });
    case 'aws':
      return new AwsDnsDriver({ cloudId: spec.cloudId, credentials: spec.credentials as AwsCredentials });
    default:
      throw new UnprocessableError(
        `DNS zones and records are not supported by the ${spec.provider} provider`,
      );
  }
}

export function buildNetworkDriver(deps: ServiceDeps, spec: DriverSpec): NetworkDriver {
  requireCapability(spec.provider, 'network');
  switch (spec.provider) {
    case 'sim':
      return new SimNetworkDriver(spec.settings as unknown as SimSettings, {
        store: new MongoSimNetStore(deps.db, spec.cloudId),
        machines: new MongoSimStore(deps.db, spec.cloudId),
        now: deps.now,
      });
    case 'aws':
      return new AwsNetworkDriver({
        cloudId: spec.cloudId,
        regions: spec.regions,
        credentials: spec.credentials as AwsCredentials,
      });
    default:
      throw new UnprocessableError(`Networks and subnets are not supported by the ${spec.provider} provider`);
  }
}

async function driverSpec(cloud: CloudDoc): Promise<DriverSpec> {
  return {
    cloudId: cloud._id,
    provider: cloud.provider,
    regions: cloud.regions,
    settings: cloud.settings,
    // Only aws clouds hold credentials (ssh hosts log in with the org's keys).
    credentials: cloud.provider === 'aws' ? await openCredentials(cloud) : null,
    orgId: cloud.orgId,
  };
}

export async function dnsDriverFor(deps: ServiceDeps, cloud: CloudDoc): Promise<DnsDriver> {
  requireCapability(cloud.provider, 'dns');
  return buildDnsDriver(deps, await driverSpec(cloud));
}

export async function networkDriverFor(deps: ServiceDeps, cloud: CloudDoc): Promise<NetworkDriver> {
  requireCapability(cloud.provider, 'network');
  return buildNetworkDriver(deps, await driverSpec(cloud));
}
