/**
 * Per-machine overrides: "keep the schedules (or one schedule) off this machine until then, because".
 * A run and a dry run list such a machine as not allowed, with the override's reason. An override
 * ends by itself at `until`: every read asks for `until > now`, and a TTL index removes the document
 * soon after. Making and deleting one is audited (as the machine's).
 */
import type { Db } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { NotFoundError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import { findMachine } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import type { Actor } from '../model/actor.js';
import { actorRef } from '../model/actor.js';
import {
  type CreateOverrideBody,
  MAX_OVERRIDE_DAYS,
  type OverrideView,
} from '../model/calendars/overrides.js';
import { newId } from '../model/common.js';
import { scheduleCollections } from './store.js';

export interface MachineOverrideDoc {
  _id: string;
  orgId: string;
  machineId: string;
  /** null: every schedule. */
  scheduleId: string | null;
  /** The TTL index removes it after this. */
  until: Date;
  reason: string;
  createdBy: { type: 'token' | 'system'; id: string; name: string };
  createdAt: Date;
}

export function overrideCollection(db: Db) {
  return db.collection<MachineOverrideDoc>('machine_overrides');
}

export function toOverrideView(doc: MachineOverrideDoc): OverrideView {
  return {
    id: doc._id,
    machineId: doc.machineId,
    scheduleId: doc.scheduleId,
    until: doc.until.toISOString(),
    reason: doc.reason,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt.toISOString(),
  };
}

/** Why `until` cannot be used at `now`, or undefined. Pure. */
export function untilProblem(until: Date, now: Date): string | undefined {
  if (until.getTime() <= now.getTime()) return 'must be in the future';
  if (until.getTime() - now.getTime() > MAX_OVERRIDE_DAYS * 86_400_000)
    return `must be at most ${MAX_OVERRIDE_DAYS} days ahead`;
  return undefined;
}

export async function createOverride(
  deps: ServiceDeps,
  actor: Actor,
  machineId: string,
  body: CreateOverrideBody,
  requestId: string | null,
): Promise<OverrideView> {
  const machine = await findMachine(deps, actor.orgId, machineId);
  const now = deps.now();
  const until = new Date(body.until);
  const problem = untilProblem(until, now);
  if (problem) throw unprocessable([{ path: 'until', message: problem }]);
  if (body.scheduleId) {
    const found = await scheduleCollections(deps.db).schedules.findOne(
      { _id: body.scheduleId, orgId: actor.orgId },
      { projection: { _id: 1 } },
    );
    if (!found)
      throw unprocessable([
        { path: 'scheduleId', message: `Schedule ${body.scheduleId} not found in this org` },
      ]);
  }
  const doc: MachineOverrideDoc = {
    _id: newId('machineOverride'),
    orgId: actor.orgId,
    machineId,
    scheduleId: body.scheduleId ?? null,
    until,
    reason: body.reason,
    createdBy: actorRef(actor),
    createdAt: now,
  };
  await overrideCollection(deps.db).insertOne(doc);
  await recordAudit(deps, {
    actor,
    action: 'machine.override.create',
    resource: { type: 'machine', id: machineId, name: machine.name },
    ...(requestId ? { requestId } : {}),
    details: { overrideId: doc._id, scheduleId: doc.scheduleId, until: body.until, reason: doc.reason },
  });
  return toOverrideView(doc);
}

export async function listOverrides(
  deps: ServiceDeps,
  orgId: string,
  machineId: string,
  query: PageRequest,
): Promise<Page<OverrideView>> {
  await findMachine(deps, orgId, machineId);
  const page = await findPage(
    overrideCollection(deps.db),
    { orgId, machineId, until: { $gt: deps.now() } },
    query,
  );
  return { items: page.items.map(toOverrideView), nextCursor: page.nextCursor };
}

export async function deleteOverride(
  deps: ServiceDeps,
  actor: Actor,
  machineId: string,
  overrideId: string,
  requestId: string | null,
): Promise<void> {
  const machine = await findMachine(deps, actor.orgId, machineId);
  const deleted = await overrideCollection(deps.db).findOneAndDelete({
    _id: overrideId,
    orgId: actor.orgId,
    machineId,
    until: { $gt: deps.now() },
  });
  if (!deleted) throw new NotFoundError(`Override ${overrideId} of machine ${machineId} not found`);
  await recordAudit(deps, {
    actor,
    action: 'machine.override.delete',
    resource: { type: 'machine', id: machineId, name: machine.name },
    ...(requestId ? { requestId } : {}),
    details: { overrideId, scheduleId: deleted.scheduleId },
  });
}

/** The reason shown for a machine an override holds. Pure. */
export function overrideReason(o: Pick<MachineOverrideDoc, '_id' | 'until' | 'reason'>): string {
  return `held by override ${o._id} until ${o.until.toISOString()}: ${o.reason}`;
}

/**
 * The machines among `machineIds` that an override in force at `now` keeps off `scheduleId`, each with
 * the reason (the override ending last, when several hold it).
 */
export async function heldMachines(
  deps: ServiceDeps,
  orgId: string,
  scheduleId: string,
  machineIds: string[],
  now: Date,
): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  if (machineIds.length === 0) return held;
  const found = await overrideCollection(deps.db)
    .find({
      orgId,
      machineId: { $in: machineIds },
      until: { $gt: now },
      $or: [{ scheduleId: null }, { scheduleId }],
    })
    .sort({ until: 1 })
    .toArray();
  for (const o of found) held.set(o.machineId, overrideReason(o));
  return held;
}
