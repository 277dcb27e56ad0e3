/**
 * The DNS and network parts of a cloud's poll. Each runs on its own: a failing part is recorded on the
 * cloud (resourcePollErrors) and in the poll's result, and never undoes or blocks the machines inventory
 * or the other part.
 */

import { dnsDriverFor, networkDriverFor } from '../clouds/drivers.js';
import type { ServiceDeps } from '../core/deps.js';
import { jobError } from '../core/errors.js';
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { CloudDoc } from '../db/documents.js';
import type { SystemActor } from '../model/actor.js';
import { CAPABILITIES } from '../providers/capabilities.js';
import { pollDns } from './dns.js';
import { pollNetworks } from './networks.js';

export type PartResult = Record<string, unknown> | { error: { code: string; message: string } };

export interface ResourcePollResult {
  dns?: PartResult;
  networks?: PartResult;
}

export async function pollCloudResources(
  deps: ServiceDeps,
  cloud: CloudDoc,
  jobId?: string,
): Promise<ResourcePollResult> {
  const actor: SystemActor = { type: 'system', orgId: cloud.orgId, name: 'poller' };
  const caps = CAPABILITIES[cloud.provider];
  const out: ResourcePollResult = {};
  const errors: Record<string, { code: string; message: string; at: Date } | null> = {};
  const part = async (name: 'dns' | 'network', run: () => Promise<Record<string, unknown>>) => {
    try {
      const result = await run();
      errors[name] = null;
      return result;
    } catch (err) {
      log.warn('poll part failed', { cloudId: cloud._id, part: name, error: err });
      const e = jobError(err);
      errors[name] = { ...e, at: deps.now() };
      return { error: e };
    }
  };
  if (caps?.dns) {
    out.dns = await part('dns', async () => ({
      ...(await pollDns(deps, cloud, await dnsDriverFor(deps, cloud), actor, jobId)),
    }));
  }
  if (caps?.network) {
    out.networks = await part('network', async () => ({
      ...(await pollNetworks(deps, cloud, await networkDriverFor(deps, cloud), actor, jobId)),
    }));
  }
  if (Object.keys(errors).length) {
    const set = Object.fromEntries(Object.entries(errors).map(([k, v]) => [`resourcePollErrors.${k}`, v]));
    await collections(deps.db).clouds.updateOne({ _id: cloud._id, orgId: cloud.orgId }, { $set: set });
  }
  return out;
}
