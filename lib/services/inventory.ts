/**
 * Inventory polls: what the provider lists is upserted in one bulk write keyed by (org, cloud, external
 * id); machines no longer listed get `missingSince`, machines back get it cleared. Appearances,
 * disappearances and state changes become audit events. A failing provider call changes nothing in the
 * inventory: the error is recorded on the cloud instead.
 */
import type { AnyBulkWriteOperation } from 'mongodb';
import type { SystemActor } from '../auth/actor.js';
import { actionFlags } from '../clouds/capabilities.js';
import type { ProviderMachine } from '../clouds/compute.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, MachineDoc } from '../db/documents.js';
import { newId } from '../model/common.js';
import { type AuditInput, recordAudit, recordAuditMany } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { computeDriverFor } from './drivers.js';
import { jobError } from './jobs.js';
import { decidePollFailure } from './poll-backoff.js';

export interface PollResult {
  listed: number;
  appeared: number;
  disappeared: number;
  returned: number;
  stateChanged: number;
}

export function tagList(tags: Record<string, string>): Array<{ k: string; v: string }> {
  return Object.entries(tags).map(([k, v]) => ({ k, v }));
}

/** The fields a poll owns: everything the provider tells us, plus the flags derived from it. */
export function polledFields(cloud: CloudDoc, m: ProviderMachine) {
  return {
    provider: cloud.provider,
    name: m.name,
    state: m.state,
    region: m.region,
    location: m.location ?? null,
    size: m.size ?? null,
    image: m.image ?? null,
    publicIps: m.publicIps,
    privateIps: m.privateIps,
    tags: tagList(m.tags),
    launchedAt: m.launchedAt ?? null,
    hourlyCost: m.hourlyCost ?? null,
    actions: actionFlags(cloud.provider, m.state),
    extra: m.extra ?? {},
  };
}

type Known = Pick<MachineDoc, '_id' | 'externalId' | 'name' | 'state' | 'missingSince'>;

export async function applyPoll(
  deps: ServiceDeps,
  cloud: CloudDoc,
  listed: ProviderMachine[],
  jobId?: string,
): Promise<PollResult> {
  const now = deps.now();
  const { machines } = collections(deps.db);
  const known = new Map<string, Known>();
  const cursor = machines.find(
    { orgId: cloud.orgId, cloudId: cloud._id },
    { projection: { _id: 1, externalId: 1, name: 1, state: 1, missingSince: 1 } },
  );
  for await (const m of cursor) known.set(m.externalId, m as Known);

  const ops: AnyBulkWriteOperation<MachineDoc>[] = [];
  const events: AuditInput[] = [];
  const actor: SystemActor = { type: 'system', orgId: cloud.orgId, name: 'poller' };
  const event = (action: string, id: string, name: string, details?: Record<string, unknown>) =>
    events.push({
      actor,
      action,
      resource: { type: 'machine', id, name },
      ...(jobId ? { jobId } : {}),
      ...(details ? { details } : {}),
    });
  const result: PollResult = {
    listed: listed.length,
    appeared: 0,
    disappeared: 0,
    returned: 0,
    stateChanged: 0,
  };
  const seen = new Set<string>();

  for (const m of listed) {
    if (seen.has(m.externalId)) continue; // a provider listing the same machine twice (region overlap)
    seen.add(m.externalId);
    const before = known.get(m.externalId);
    const id = before?._id ?? newId('machine');
    ops.push({
      updateOne: {
        filter: { orgId: cloud.orgId, cloudId: cloud._id, externalId: m.externalId },
        update: {
          $set: { ...polledFields(cloud, m), lastSeenAt: now, missingSince: null, updatedAt: now },
          $setOnInsert: {
            _id: id,
            orgId: cloud.orgId,
            cloudId: cloud._id,
            externalId: m.externalId,
            firstSeenAt: now,
          },
        },
        upsert: true,
      },
    });
    if (!before) {
      result.appeared++;
      event('machine.appeared', id, m.name, { state: m.state, cloudId: cloud._id });
    } else {
      if (before.missingSince) {
        result.returned++;
        event('machine.returned', id, m.name, { missingSince: before.missingSince.toISOString() });
      }
      if (before.state !== m.state) {
        result.stateChanged++;
        event('machine.state_changed', id, m.name, { from: before.state, to: m.state });
      }
    }
  }
  const gone = [...known.values()].filter((m) => !seen.has(m.externalId) && !m.missingSince);
  if (gone.length) {
    ops.push({
      updateMany: {
        filter: { orgId: cloud.orgId, cloudId: cloud._id, _id: { $in: gone.map((m) => m._id) } },
        update: { $set: { missingSince: now, updatedAt: now } },
      },
    });
    for (const m of gone) event('machine.disappeared', m._id, m.name, { lastState: m.state });
    result.disappeared = gone.length;
  }
  if (ops.length) await machines.bulkWrite(ops, { ordered: false });
  await recordAuditMany(deps, cloud.orgId, events);
  return result;
}

/** Polls one cloud: the provider call first, then the writes, so a failing cloud leaves everything as it was. */
export async function pollCloud(deps: ServiceDeps, cloud: CloudDoc, jobId?: string): Promise<PollResult> {
  const driver = await computeDriverFor(deps, cloud);
  const { clouds } = collections(deps.db);
  let listed: ProviderMachine[];
  try {
    listed = await driver.listMachines();
  } catch (err) {
    await recordPollFailure(deps, cloud, err, jobId);
    throw err;
  }
  const result = await applyPoll(deps, cloud, listed, jobId);
  const now = deps.now();
  await clouds.updateOne(
    { _id: cloud._id, orgId: cloud.orgId },
    {
      $set: {
        lastPollAt: now,
        lastPollError: null,
        consecutiveFailures: 0,
        failingSince: null,
        nextPollAt: new Date(now.getTime() + cloud.pollIntervalMinutes * 60_000),
        updatedAt: now,
      },
    },
  );
  return result;
}

/** Backs the cloud's polls off, and disables it (with the reason, audited) once it has failed for too long. */
async function recordPollFailure(
  deps: ServiceDeps,
  cloud: CloudDoc,
  err: unknown,
  jobId?: string,
): Promise<void> {
  const now = deps.now();
  const decision = decidePollFailure(cloud, now);
  await collections(deps.db).clouds.updateOne(
    { _id: cloud._id, orgId: cloud.orgId },
    {
      $set: {
        lastPollError: { ...jobError(err), at: now },
        consecutiveFailures: decision.consecutiveFailures,
        failingSince: decision.failingSince,
        nextPollAt: decision.nextPollAt,
        updatedAt: now,
        ...(decision.disable ? { enabled: false, disabledReason: decision.disable } : {}),
      },
    },
  );
  if (decision.disable) {
    await recordAudit(deps, {
      actor: { type: 'system', orgId: cloud.orgId, name: 'poller' },
      action: 'cloud.disabled',
      resource: { type: 'cloud', id: cloud._id, name: cloud.name },
      result: 'success',
      details: { reason: decision.disable, lastError: jobError(err) },
      ...(jobId ? { jobId } : {}),
    });
  }
}
