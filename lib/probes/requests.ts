/**
 * Probes as the API asks for them: a machine's probe history, an on-demand probe (a job, like every
 * call that reaches a machine), and a cloud's probe settings. Every read and write is scoped to the org.
 */
import type { Filter } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { ProbeDoc } from '../db/documents.js';
import { findCloud, findMachine } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import type { Actor } from '../model/actor.js';
import type { ProbeSettings, ProbeView } from '../model/probe.js';
import { assertProbeSettingsFit } from './budget.js';
import { probeJob } from './probes.js';
import { probeHost, probeSettings } from './rules.js';
import { toProbeView } from './views.js';

export async function listProbes(
  deps: ServiceDeps,
  orgId: string,
  machineId: string,
  query: PageRequest & { kind?: 'tcp' | 'ssh' },
): Promise<Page<ProbeView>> {
  await findMachine(deps, orgId, machineId);
  const filter: Filter<ProbeDoc> = { orgId, machineId, ...(query.kind ? { kind: query.kind } : {}) };
  const page = await findPage(collections(deps.db).probes, filter, query);
  return { items: page.items.map(toProbeView), nextCursor: page.nextCursor };
}

export async function requestProbe(deps: JobDeps, actor: Actor, machineId: string, requestId: string) {
  const machine = await findMachine(deps, actor.orgId, machineId);
  if (machine.missingSince) {
    throw new UnprocessableError(
      `Machine ${machineId} is missing from its cloud since ${machine.missingSince.toISOString()}`,
    );
  }
  if (machine.provider !== 'sim' && !probeHost(machine)) {
    throw new UnprocessableError(`Machine ${machine.name} has no IP address to probe`);
  }
  const [job] = await enqueueJobs(deps, actor, [probeJob(machine.cloudId, [machineId], true)], requestId);
  return job!;
}

export async function getProbeSettings(deps: ServiceDeps, orgId: string, cloudId: string) {
  return probeSettings(await findCloud(deps, orgId, cloudId));
}

export async function updateProbeSettings(
  deps: ServiceDeps,
  actor: Actor,
  cloudId: string,
  patch: Partial<ProbeSettings>,
  requestId: string,
): Promise<ProbeSettings> {
  const cloud = await findCloud(deps, actor.orgId, cloudId);
  // Stored whole, so the tick's query can rely on `probes.enabled` being present once set.
  const settings = { ...probeSettings(cloud), ...patch };
  assertProbeSettingsFit(cloud.provider, settings);
  await collections(deps.db).clouds.updateOne(
    { _id: cloud._id, orgId: actor.orgId },
    { $set: { probes: settings, updatedAt: deps.now() } },
  );
  await recordAudit(deps, {
    actor,
    action: 'cloud.probes.update',
    resource: { type: 'cloud', id: cloud._id, name: cloud.name },
    requestId,
    details: { changes: patch },
  });
  return settings;
}
