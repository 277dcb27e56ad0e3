/**
 * Inventory polls: what the provider lists is upserted in one bulk write keyed by (org, cloud, external
 * id); machines no longer listed get `missingSince`, machines back get it cleared. Appearances,
 * disappearances and state changes become audit events, and events for webhooks (machine.created,
 * machine.state_changed, machine.missing). A failing provider call changes nothing in the inventory: the
 * error is recorded on the cloud instead, with a cloud.poll_failed event.
 */
import { type AnyBulkWriteOperation, MongoBulkWriteError } from 'mongodb';
import { type AuditInput, recordAudit, recordAuditMany } from '../audit/audit.js';
import { computeDriverFor } from '../clouds/drivers.js';
import type { ServiceDeps } from '../core/deps.js';
import { jobError } from '../core/errors.js';
import { isPricedProvider, priceMachines, unpricedBecause } from '../costs/prices.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, MachineDoc } from '../db/documents.js';
import { type NewEvent, recordEvents } from '../events/record.js';
import { cloudEventRef, machineEventRef, problemRef } from '../events/refs.js';
import type { SystemActor } from '../model/actor.js';
import { newId } from '../model/common.js';
import { actionFlags } from '../providers/capabilities.js';
import type { ProviderMachine } from '../providers/compute.js';
import { decidePollFailure } from './backoff.js';

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
    price:
      m.price ??
      (m.hourlyCost === undefined
        ? unpricedBecause(cloud.provider)
        : { currency: 'USD', source: `${cloud.provider}-api`, reason: null }),
    actions: actionFlags(cloud.provider, m.state),
    extra: m.extra ?? {},
  };
}

type PolledFields = ReturnType<typeof polledFields>;
type Known = Pick<MachineDoc, '_id' | 'cloudId' | 'externalId' | 'missingSince' | 'lastSeenAt'> &
  PolledFields;

const POLLED_KEYS = Object.keys(
  polledFields({ provider: 'sim' } as CloudDoc, { state: 'running', tags: {} } as unknown as ProviderMachine),
) as Array<keyof PolledFields>;

/** Which polled fields differ from what is stored (JSON equality: dates, arrays and records included). */
export function changedFields(before: Known, now: PolledFields): Partial<PolledFields> {
  const changed: Partial<PolledFields> = {};
  for (const k of POLLED_KEYS) {
    if (JSON.stringify(before[k]) !== JSON.stringify(now[k]))
      (changed as Record<string, unknown>)[k] = now[k];
  }
  return changed;
}

/**
 * Writes only what changed: new machines are inserted in one batch, changed ones updated one by one,
 * and the unchanged majority only gets its lastSeenAt refreshed in a single updateMany. A poll of a
 * quiet cloud of 10,000 machines is then one read and one write, not 10,000 upserts.
 */
export async function applyPoll(
  deps: ServiceDeps,
  cloud: CloudDoc,
  listed: ProviderMachine[],
  jobId?: string,
): Promise<PollResult> {
  const now = deps.now();
  // AWS, Azure and GCP list no prices: they come from their cached price lists (lib/costs/prices.ts).
  if (isPricedProvider(cloud.provider))
    listed = await priceMachines(deps, cloud.provider, listed, { orgId: cloud.orgId, cloudId: cloud._id });
  const { machines } = collections(deps.db);
  const projection = Object.fromEntries(
    ['_id', 'cloudId', 'externalId', 'missingSince', 'lastSeenAt', ...POLLED_KEYS].map((k) => [k, 1]),
  );
  const known = new Map<string, Known>();
  for await (const m of machines.find({ orgId: cloud.orgId, cloudId: cloud._id }, { projection })) {
    known.set(m.externalId, m as unknown as Known);
  }

  const inserts: MachineDoc[] = [];
  const updates: AnyBulkWriteOperation<MachineDoc>[] = [];
  const unchanged: string[] = [];
  const events: AuditInput[] = [];
  const actor: SystemActor = { type: 'system', orgId: cloud.orgId, name: 'poller' };
  const event = (action: string, id: string, name: string, details: Record<string, unknown>) =>
    events.push({
      actor,
      action,
      resource: { type: 'machine', id, name },
      ...(jobId ? { jobId } : {}),
      details,
    });
  const result: PollResult = {
    listed: listed.length,
    appeared: 0,
    disappeared: 0,
    returned: 0,
    stateChanged: 0,
  };
  const seen = new Set<string>();
  // The first poll of a cloud finds what was there before Nimbo: that is an import, not news.
  const news: NewEvent[] = [];
  const firstPoll = !cloud.lastPollAt;

  for (const m of listed) {
    if (seen.has(m.externalId)) continue; // a provider listing the same machine twice (region overlap)
    seen.add(m.externalId);
    const fields = polledFields(cloud, m);
    const before = known.get(m.externalId);
    if (!before) {
      const id = newId('machine');
      inserts.push({
        _id: id,
        orgId: cloud.orgId,
        cloudId: cloud._id,
        externalId: m.externalId,
        ...fields,
        firstSeenAt: now,
        lastSeenAt: now,
        missingSince: null,
        updatedAt: now,
      });
      result.appeared++;
      event('machine.appeared', id, m.name, { state: m.state, cloudId: cloud._id });
      if (!firstPoll) {
        const ref = machineEventRef({ _id: id, cloudId: cloud._id, externalId: m.externalId, ...fields });
        news.push({ orgId: cloud.orgId, type: 'machine.created', data: { ...ref, state: m.state }, at: now });
      }
      continue;
    }
    const changed = changedFields(before, fields);
    if (before.missingSince) {
      result.returned++;
      event('machine.returned', before._id, m.name, { missingSince: before.missingSince.toISOString() });
    }
    if (before.state !== m.state) {
      result.stateChanged++;
      event('machine.state_changed', before._id, m.name, { from: before.state, to: m.state });
      const ref = machineEventRef({ ...before, ...fields });
      news.push({
        orgId: cloud.orgId,
        type: 'machine.state_changed',
        data: { ...ref, from: before.state, to: m.state },
        at: now,
      });
    }
    if (before.missingSince || Object.keys(changed).length > 0) {
      updates.push({
        updateOne: {
          filter: { _id: before._id, orgId: cloud.orgId },
          update: { $set: { ...changed, lastSeenAt: now, missingSince: null, updatedAt: now } },
        },
      });
    } else {
      unchanged.push(before._id);
    }
  }
  const gone = [...known.values()].filter((m) => !seen.has(m.externalId) && !m.missingSince);
  if (gone.length) {
    updates.push({
      updateMany: {
        filter: { orgId: cloud.orgId, cloudId: cloud._id, _id: { $in: gone.map((m) => m._id) } },
        update: { $set: { missingSince: now, updatedAt: now } },
      },
    });
    for (const m of gone) {
      event('machine.disappeared', m._id, m.name, { lastState: m.state });
      news.push({
        orgId: cloud.orgId,
        type: 'machine.missing',
        data: { ...machineEventRef(m), lastSeenAt: m.lastSeenAt.toISOString() },
        at: now,
      });
    }
    result.disappeared = gone.length;
  }
  if (unchanged.length) {
    updates.push({
      updateMany: {
        filter: { orgId: cloud.orgId, _id: { $in: unchanged } },
        update: { $set: { lastSeenAt: now } },
      },
    });
  }
  await insertNewMachines(deps, inserts, now);
  if (updates.length) await machines.bulkWrite(updates, { ordered: false });
  await recordAuditMany(deps, cloud.orgId, events);
  await recordEvents(deps, news);
  return result;
}

/**
 * Inserts in one batch. A machine that appeared meanwhile by another path (a create job that finished
 * during the poll) is a duplicate key: it is then updated instead, keeping its id.
 */
async function insertNewMachines(deps: ServiceDeps, docs: MachineDoc[], now: Date): Promise<void> {
  if (docs.length === 0) return;
  const { machines } = collections(deps.db);
  try {
    await machines.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    if (errors.some((e) => e.code !== 11000)) throw err;
    await machines.bulkWrite(
      errors.map((e) => {
        const { _id, firstSeenAt, ...rest } = docs[e.index]!;
        return {
          updateOne: {
            filter: { orgId: rest.orgId, cloudId: rest.cloudId, externalId: rest.externalId },
            update: { $set: { ...rest, lastSeenAt: now } },
          },
        };
      }),
      { ordered: false },
    );
  }
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
  const error = problemRef(jobError(err));
  const news: NewEvent[] = [
    {
      orgId: cloud.orgId,
      type: 'cloud.poll_failed',
      data: { ...cloudEventRef(cloud), consecutiveFailures: decision.consecutiveFailures, error },
    },
  ];
  if (decision.disable) {
    news.push({
      orgId: cloud.orgId,
      type: 'cloud.disabled',
      data: { ...cloudEventRef(cloud), reason: decision.disable },
    });
  }
  await recordEvents(deps, news);
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
