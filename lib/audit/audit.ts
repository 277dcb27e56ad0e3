/**
 * The audit trail: every mutating API call, job and inventory change, with who, what, on which resource,
 * the result and the error. Events expire after the org's retention (a TTL index on expireAt).
 */
import type { Filter } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { summarizeError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { AuditDoc } from '../db/documents.js';
import { isDuplicateKeyError } from '../db/errors.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { type Actor, actorRef, type RecordedActor } from '../model/actor.js';
import type { AuditEventView } from '../model/audit.js';
import { newId } from '../model/common.js';

export interface AuditInput {
  actor: Actor | RecordedActor;
  action: string;
  resource: { type: string; id: string; name?: string };
  result?: 'success' | 'failure';
  error?: unknown;
  requestId?: string;
  jobId?: string;
  details?: Record<string, unknown>;
  /** A fixed id makes the event recorded once however often it is recorded (a redelivered message). */
  id?: string;
}

/** How long an org's audit events are kept unless its owner says otherwise. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/** An org's retention rarely changes: read it once a minute per container, not once per audited call. */
const RETENTION_CACHE_MS = 60_000;
const retentionCache = new WeakMap<object, Map<string, { days: number; until: number }>>();

async function retentionDays(deps: ServiceDeps, orgId: string): Promise<number> {
  let byOrg = retentionCache.get(deps.db);
  if (!byOrg) {
    byOrg = new Map();
    retentionCache.set(deps.db, byOrg);
  }
  const now = Date.now();
  const hit = byOrg.get(orgId);
  if (hit && hit.until > now) return hit.days;
  const org = await collections(deps.db).orgs.findOne(
    { _id: orgId },
    { projection: { auditRetentionDays: 1 } },
  );
  const days = org?.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  byOrg.set(orgId, { days, until: now + RETENTION_CACHE_MS });
  return days;
}

export function toAuditDoc(input: AuditInput, time: Date, retention: number): AuditDoc {
  const { actor } = input;
  return {
    _id: input.id ?? newId('audit'),
    orgId: actor.orgId,
    time,
    actor: actorRef(actor),
    action: input.action,
    resource: input.resource,
    result: input.result ?? (input.error ? 'failure' : 'success'),
    ...(input.error ? { error: summarizeError(input.error) } : {}),
    ...(input.requestId ? { requestId: input.requestId } : {}),
    ...(input.jobId ? { jobId: input.jobId } : {}),
    ...(input.details ? { details: input.details } : {}),
    expireAt: new Date(time.getTime() + retention * DAY_MS),
  };
}

export async function recordAudit(deps: ServiceDeps, input: AuditInput): Promise<void> {
  await recordAuditMany(deps, input.actor.orgId, [input]);
}

export async function recordAuditMany(deps: ServiceDeps, orgId: string, inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const retention = await retentionDays(deps, orgId);
  const time = deps.now();
  try {
    await collections(deps.db).audit.insertMany(
      inputs.map((i) => toAuditDoc(i, time, retention)),
      { ordered: false },
    );
  } catch (err) {
    if (!(isDuplicateKeyError(err) && inputs.some((i) => i.id))) throw err;
  }
}

export function toAuditView(doc: AuditDoc): AuditEventView {
  const { _id, orgId, expireAt, time, ...rest } = doc;
  return { id: _id, time: time.toISOString(), ...rest };
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  actor?: string;
  action?: string;
  result?: 'success' | 'failure';
  from?: string;
  to?: string;
}

export async function listAudit(
  deps: ServiceDeps,
  orgId: string,
  query: AuditFilter & PageRequest,
): Promise<Page<AuditEventView>> {
  const filter: Filter<AuditDoc> = { orgId };
  if (query.resourceType) filter['resource.type'] = query.resourceType;
  if (query.resourceId) filter['resource.id'] = query.resourceId;
  if (query.actor) filter['actor.id'] = query.actor;
  if (query.action) filter.action = query.action;
  if (query.result) filter.result = query.result;
  if (query.from || query.to) {
    filter.time = {
      ...(query.from ? { $gte: new Date(query.from) } : {}),
      ...(query.to ? { $lt: new Date(query.to) } : {}),
    };
  }
  const page = await findPage(collections(deps.db).audit, filter, query);
  return { items: page.items.map(toAuditView), nextCursor: page.nextCursor };
}
