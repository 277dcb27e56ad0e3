/**
 * Schedules: create, list, show, change, delete, dry-run, and their run history. Every change is audited;
 * every change to the timing recomputes `nextRunAt` (the pure rules in schedules/rules.ts), which is what
 * the tick compares with the clock. Running the due occurrences is in schedules/runs.ts.
 */

import type { Filter } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import { isDuplicateKeyError } from '../db/errors.js';
import { findInOrg, findOwned } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { compileConditions, previewConditions } from '../machines/conditions.js';
import { checkAction } from '../machines/machines.js';
import type { Actor } from '../model/actor.js';
import { actorRef } from '../model/actor.js';
import { isoOrNull } from '../model/common.js';
import { searchRegex } from '../model/list.js';
import {
  type CreateScheduleBody,
  newScheduleId,
  type ScheduleActionBody,
  type ScheduleRunView,
  type ScheduleView,
  type ScheduleWhenBody,
  scheduleActionName,
  type UpdateScheduleBody,
} from '../model/schedule.js';
import { findScript } from '../scripts/scripts.js';

/** A script.run action must name a script of the org (422 otherwise: the body is at fault). */
async function checkScriptAction(deps: ServiceDeps, orgId: string, action: ScheduleActionBody | undefined) {
  if (action?.type !== 'script.run') return;
  try {
    await findScript(deps, orgId, action.scriptId);
  } catch (err) {
    if (err instanceof NotFoundError) throw new UnprocessableError(`action.scriptId: ${err.message}`);
    throw err;
  }
}

import { checkExceptionCalendars, skippedOccurrence } from './calendar-use.js';
import { heldMachines } from './overrides.js';
import {
  computeNextRunAt,
  intervalAnchor,
  type ScheduleDoc,
  type StoredWhen,
  scheduleStatus,
} from './rules.js';
import { estimateMonthlySavings } from './savings.js';
import { RUN_LIST_MACHINES, scheduleCollections, toScheduleRunView, toScheduleView } from './store.js';

export type { ScheduleDoc } from './rules.js';
export {
  type ScheduleRunDoc,
  type ScheduleRunMachine,
  scheduleCollections,
} from './store.js';

function toStoredWhen(when: ScheduleWhenBody, startAfter: Date | null, now: Date): StoredWhen {
  switch (when.kind) {
    case 'interval':
      return { kind: 'interval', every: when.every, anchor: intervalAnchor(startAfter, now) };
    case 'cron':
      return { kind: 'cron', expression: when.expression, timeZone: when.timeZone };
    case 'once':
      return { kind: 'once', at: new Date(when.at) };
  }
}

const date = (v: string | null | undefined) => (v ? new Date(v) : null);

function duplicateName(name: string, cause?: unknown): ConflictError {
  return new ConflictError(`A schedule named "${name}" already exists in this org`, { cause });
}

/** Checks what the body schema cannot: the conditions fit the compiler's limits, the timing is coherent. */
function validate(doc: ScheduleDoc, now: Date): void {
  compileConditions(doc.conditions, doc.orgId, now);
  if (doc.startAfter && doc.expiresAt && doc.expiresAt.getTime() <= doc.startAfter.getTime()) {
    throw new UnprocessableError('expiresAt must be after startAfter');
  }
}

export function findSchedule(deps: ServiceDeps, orgId: string, id: string): Promise<ScheduleDoc> {
  return findInOrg(scheduleCollections(deps.db).schedules, 'Schedule', orgId, id);
}

export async function createSchedule(
  deps: ServiceDeps,
  actor: Actor,
  body: CreateScheduleBody,
  requestId: string | null,
): Promise<ScheduleView> {
  await checkScriptAction(deps, actor.orgId, body.action);
  await checkExceptionCalendars(deps, actor.orgId, body.exceptions);
  const now = deps.now();
  const { schedules } = scheduleCollections(deps.db);
  const startAfter = date(body.startAfter);
  const doc: ScheduleDoc = {
    _id: newScheduleId(),
    orgId: actor.orgId,
    name: body.name,
    description: body.description ?? null,
    enabled: body.enabled,
    conditions: body.conditions,
    action: body.action,
    when: toStoredWhen(body.when, startAfter, now),
    startAfter,
    expiresAt: date(body.expiresAt),
    maxRunCount: body.maxRunCount ?? null,
    notifyBeforeMinutes: body.notifyBeforeMinutes ?? null,
    exceptions: body.exceptions ?? null,
    windows: body.windows ?? null,
    runImmediately: body.runImmediately,
    runCount: 0,
    nextRunAt: null,
    lastRunAt: null,
    createdBy: actorRef(actor),
    createdAt: now,
    updatedAt: now,
  };
  validate(doc, now);
  doc.nextRunAt = computeNextRunAt(doc, now);
  if (await schedules.findOne({ orgId: actor.orgId, name: body.name }, { projection: { _id: 1 } })) {
    throw duplicateName(body.name);
  }
  try {
    await schedules.insertOne(doc);
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(body.name, err);
    throw err;
  }
  await recordAudit(deps, {
    actor,
    action: 'schedule.create',
    resource: { type: 'schedule', id: doc._id, name: doc.name },
    ...(requestId ? { requestId } : {}),
    details: {
      when: body.when.kind,
      action: scheduleActionName(body.action),
      nextRunAt: isoOrNull(doc.nextRunAt),
    },
  });
  return toScheduleView(doc, now);
}

export async function listSchedules(
  deps: ServiceDeps,
  orgId: string,
  query: PageRequest & { q?: string; enabled?: 'true' | 'false' },
): Promise<Page<ScheduleView>> {
  const filter: Filter<ScheduleDoc> = { orgId };
  if (query.q) filter.name = searchRegex(query.q);
  if (query.enabled) filter.enabled = query.enabled === 'true';
  const page = await findPage(scheduleCollections(deps.db).schedules, filter, query);
  const now = deps.now();
  return { items: page.items.map((d) => toScheduleView(d, now)), nextCursor: page.nextCursor };
}

export async function getSchedule(deps: ServiceDeps, orgId: string, id: string): Promise<ScheduleView> {
  return toScheduleView(await findSchedule(deps, orgId, id), deps.now());
}

const TIMING_FIELDS = [
  'enabled',
  'when',
  'startAfter',
  'expiresAt',
  'maxRunCount',
  'runImmediately',
] as const;

/** The schedule with the patch applied, and its next run recomputed when the timing changed. */
export function applySchedulePatch(current: ScheduleDoc, patch: UpdateScheduleBody, now: Date): ScheduleDoc {
  const next: ScheduleDoc = { ...current, updatedAt: now };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.enabled !== undefined) next.enabled = patch.enabled;
  if (patch.conditions !== undefined) next.conditions = patch.conditions;
  if (patch.action !== undefined) next.action = patch.action;
  if (patch.startAfter !== undefined) next.startAfter = date(patch.startAfter);
  if (patch.expiresAt !== undefined) next.expiresAt = date(patch.expiresAt);
  if (patch.maxRunCount !== undefined) next.maxRunCount = patch.maxRunCount;
  if (patch.notifyBeforeMinutes !== undefined) next.notifyBeforeMinutes = patch.notifyBeforeMinutes;
  if (patch.runImmediately !== undefined) next.runImmediately = patch.runImmediately;
  if (patch.exceptions !== undefined) next.exceptions = patch.exceptions;
  if (patch.windows !== undefined) next.windows = patch.windows;
  if (patch.when !== undefined) next.when = toStoredWhen(patch.when, next.startAfter, now);
  else if (patch.startAfter && next.when.kind === 'interval') {
    // A new start re-anchors an interval: its runs then fall on startAfter + k * every.
    next.when = { ...next.when, anchor: next.startAfter! };
  }
  if (TIMING_FIELDS.some((f) => patch[f] !== undefined)) next.nextRunAt = computeNextRunAt(next, now);
  return next;
}

export async function updateSchedule(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  patch: UpdateScheduleBody,
  requestId: string | null,
): Promise<ScheduleView> {
  await checkScriptAction(deps, actor.orgId, patch.action);
  await checkExceptionCalendars(deps, actor.orgId, patch.exceptions);
  const { schedules } = scheduleCollections(deps.db);
  // Compare-and-set on what was read, so a tick claiming a run in between is never overwritten with a
  // next run computed from a stale run count; a lost race is simply retried.
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await findSchedule(deps, actor.orgId, id);
    const now = deps.now();
    const next = applySchedulePatch(current, patch, now);
    validate(next, now);
    const { _id, orgId, ...fields } = next;
    let written: ScheduleDoc | null;
    try {
      written = await schedules.findOneAndUpdate(
        {
          _id,
          orgId,
          updatedAt: current.updatedAt,
          runCount: current.runCount,
          nextRunAt: current.nextRunAt,
        },
        { $set: fields },
        { returnDocument: 'after' },
      );
    } catch (err) {
      if (isDuplicateKeyError(err)) throw duplicateName(patch.name ?? '', err);
      throw err;
    }
    if (!written) continue;
    await recordAudit(deps, {
      actor,
      action: 'schedule.update',
      resource: { type: 'schedule', id, name: written.name },
      ...(requestId ? { requestId } : {}),
      details: { changes: Object.keys(patch), nextRunAt: isoOrNull(written.nextRunAt) },
    });
    return toScheduleView(written, now);
  }
  throw new ConflictError(`Schedule ${id} changed while it was being updated; try again`);
}

/** The schedule goes, and its run history with it. */
export async function deleteSchedule(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  requestId: string | null,
): Promise<void> {
  const { schedules, runs } = scheduleCollections(deps.db);
  const deleted = await schedules.findOneAndDelete({ _id: id, orgId: actor.orgId });
  if (!deleted) throw new NotFoundError(`Schedule ${id} not found`);
  await runs.deleteMany({ orgId: actor.orgId, scheduleId: id });
  await recordAudit(deps, {
    actor,
    action: 'schedule.delete',
    resource: { type: 'schedule', id, name: deleted.name },
    ...(requestId ? { requestId } : {}),
  });
}

/** What a run now would hit: the matching machines, and for each whether its flags allow the action. */
export async function dryRunSchedule(deps: ServiceDeps, orgId: string, id: string, limit: number) {
  const schedule = await findSchedule(deps, orgId, id);
  const now = deps.now();
  const status = scheduleStatus(schedule, now);
  const preview = await previewConditions(deps, orgId, schedule.conditions, limit);
  const docs = await collections(deps.db)
    .machines.find({ orgId, _id: { $in: preview.items.map((i) => i.id) } })
    .toArray();
  const byId = new Map(docs.map((d) => [d._id, d]));
  const held = await heldMachines(
    deps,
    orgId,
    id,
    preview.items.map((i) => i.id),
    now,
  );
  const items = preview.items.map((item) => {
    const machine = byId.get(item.id);
    if (!machine) return { ...item, allowed: false, reason: 'the machine is gone' };
    const heldBy = held.get(item.id);
    if (heldBy) return { ...item, allowed: false, reason: heldBy };
    try {
      const { action } = schedule;
      if (action.type === 'machine.action') checkAction(machine, action.action, action.params ?? {});
      else if (machine.missingSince) throw new UnprocessableError(`Machine ${machine.name} is missing`);
      return { ...item, allowed: true };
    } catch (err) {
      return { ...item, allowed: false, reason: (err as Error).message };
    }
  });
  return {
    active: status.active,
    inactiveReason: status.reason,
    nextRunAt: isoOrNull(schedule.nextRunAt),
    nextRunSkipped: schedule.nextRunAt ? await skippedOccurrence(deps, schedule, schedule.nextRunAt) : null,
    action: schedule.action,
    count: preview.count,
    byState: preview.byState,
    items,
    savings: await estimateMonthlySavings(deps, schedule, now),
    dryRun: true as const,
  };
}

export async function listScheduleRuns(
  deps: ServiceDeps,
  orgId: string,
  scheduleId: string,
  query: PageRequest,
): Promise<Page<ScheduleRunView>> {
  await findSchedule(deps, orgId, scheduleId);
  const page = await findPage(scheduleCollections(deps.db).runs, { orgId, scheduleId }, query);
  return {
    items: page.items.map((r) => toScheduleRunView(r, RUN_LIST_MACHINES)),
    nextCursor: page.nextCursor,
  };
}

export async function getScheduleRun(
  deps: ServiceDeps,
  orgId: string,
  scheduleId: string,
  runId: string,
): Promise<ScheduleRunView> {
  const { runs } = scheduleCollections(deps.db);
  const notFound = `Run ${runId} of schedule ${scheduleId} not found`;
  return toScheduleRunView(await findOwned(runs, orgId, runId, notFound, { scheduleId }));
}
