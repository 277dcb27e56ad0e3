/**
 * Builds the compute driver of a cloud: opens its sealed credentials (only here, only in memory) and
 * hands the simulator its MongoDB-backed state. Services get a ComputeDriver and never branch on provider.
 */

import type { AwsCredentials } from '../clouds/aws/credentials.js';
import { AwsComputeDriver } from '../clouds/aws/driver.js';
import type { Provider } from '../clouds/capabilities.js';
import type { ComputeDriver } from '../clouds/compute.js';
import { SimComputeDriver, type SimSettings } from '../clouds/sim/driver.js';
import { SshComputeDriver, type SshSettings } from '../clouds/ssh/driver.js';
import { getDataKey } from '../crypto/data-key.js';
import { type SealedValue, seal, unseal } from '../crypto/sealed.js';
import { collections } from '../db/collections.js';
import type { CloudDoc } from '../db/documents.js';
import { MongoSimStore } from '../db/sim-store.js';
import { ConfigurationError, NotFoundError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { machineExec } from './ssh-access.js';

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
  return buildComputeDriver(deps, {
    cloudId: cloud._id,
    provider: cloud.provider,
    regions: cloud.regions,
    settings: cloud.settings,
    credentials: cloud.provider === 'aws' ? await openCredentials(cloud) : null,
    orgId: cloud.orgId,
  });
}
