/**
 * Rules of an org: made, listed, changed and deleted, each change audited. What the body schema cannot
 * tell is checked here, before anything is written: the conditions fit the compiler's limits, every
 * webhook named is one of the org's (422 naming it), the name is free (409), the org is under its limit.
 */
import type { Filter } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import { collections } from '../db/collections.js';
import type { RuleDoc } from '../db/documents.js';
import { isDuplicateKeyError } from '../db/errors.js';
import { findInOrg } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import type { Actor } from '../model/actor.js';
import { isoOrNull, newId } from '../model/common.js';
import {
  type CreateRuleBody,
  MAX_RULES_PER_ORG,
  type RuleListQuery,
  type RuleView,
  type UpdateRuleBody,
} from '../model/events/rule.js';
import { searchRegex } from '../model/list.js';
import { ruleFilter } from './select.js';

export function toRuleView(doc: RuleDoc): RuleView {
  return {
    id: doc._id,
    name: doc.name,
    event: doc.event,
    to: doc.to,
    conditions: doc.conditions,
    forMinutes: doc.forMinutes,
    webhookIds: doc.webhookIds,
    enabled: doc.enabled,
    lastFiredAt: isoOrNull(doc.lastFiredAt),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function findRule(deps: ServiceDeps, orgId: string, id: string): Promise<RuleDoc> {
  return findInOrg(collections(deps.db).rules, 'Rule', orgId, id);
}

function duplicateName(name: string, cause?: unknown): ConflictError {
  return new ConflictError(`A rule named "${name}" already exists in this org`, { cause });
}

/** Every webhook named must be one of the org's: 422 naming each one that is not. */
async function checkWebhooks(deps: ServiceDeps, orgId: string, ids: string[]): Promise<void> {
  const found = await collections(deps.db)
    .webhooks.find({ orgId, _id: { $in: ids } })
    .project<{ _id: string }>({ _id: 1 })
    .toArray();
  const known = new Set(found.map((w) => w._id));
  const problems = ids
    .map((id, i) => ({ path: `webhookIds.${i}`, message: `Webhook ${id} not found in this org`, id }))
    .filter((p) => !known.has(p.id))
    .map(({ path, message }) => ({ path, message }));
  if (problems.length > 0) throw unprocessable(problems);
}

/** What a rule must be, whole: `to` belongs with machine.state_changed, conditions compile. */
function validate(doc: RuleDoc, now: Date): void {
  if (doc.to !== null && doc.event !== 'machine.state_changed') {
    throw unprocessable([
      { path: 'to', message: 'only with the event machine.state_changed (give to: null)' },
    ]);
  }
  ruleFilter(doc, now);
}

export async function createRule(deps: ServiceDeps, actor: Actor, body: CreateRuleBody): Promise<RuleView> {
  const now = deps.now();
  const doc: RuleDoc = {
    _id: newId('rule'),
    orgId: actor.orgId,
    name: body.name,
    event: body.event,
    to: body.to ?? null,
    conditions: body.conditions ?? null,
    forMinutes: body.forMinutes ?? null,
    webhookIds: body.webhookIds,
    enabled: body.enabled,
    lastFiredAt: null,
    createdAt: now,
    updatedAt: now,
  };
  validate(doc, now);
  await checkWebhooks(deps, actor.orgId, body.webhookIds);
  const { rules } = collections(deps.db);
  if (await rules.findOne({ orgId: actor.orgId, name: body.name }, { projection: { _id: 1 } })) {
    throw duplicateName(body.name);
  }
  if ((await rules.countDocuments({ orgId: actor.orgId })) >= MAX_RULES_PER_ORG) {
    throw new ConflictError(
      `This org has ${MAX_RULES_PER_ORG} rules, the most it may have: delete one first`,
    );
  }
  try {
    await rules.insertOne(doc);
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(body.name, err);
    throw err;
  }
  await recordAudit(deps, {
    actor,
    action: 'rule.create',
    resource: { type: 'rule', id: doc._id, name: doc.name },
    details: { event: doc.event, forMinutes: doc.forMinutes, webhookIds: doc.webhookIds },
  });
  return toRuleView(doc);
}

export async function listRules(
  deps: ServiceDeps,
  orgId: string,
  query: PageRequest & Pick<RuleListQuery, 'q' | 'event' | 'enabled'>,
): Promise<Page<RuleView>> {
  const filter: Filter<RuleDoc> = { orgId };
  if (query.q) filter.name = searchRegex(query.q);
  if (query.event) filter.event = query.event;
  if (query.enabled) filter.enabled = query.enabled === 'true';
  const page = await findPage(collections(deps.db).rules, filter, query);
  return { items: page.items.map(toRuleView), nextCursor: page.nextCursor };
}

/** What a pending firing was held for: a change to any of these drops the rule's pending firings. */
const HOLD_FIELDS = ['event', 'to', 'forMinutes'] as const;

export async function updateRule(
  deps: ServiceDeps,
  actor: Actor,
  id: string,
  body: UpdateRuleBody,
): Promise<RuleView> {
  const current = await findRule(deps, actor.orgId, id);
  const now = deps.now();
  const set: Partial<RuleDoc> = { updatedAt: now };
  if (body.name !== undefined) set.name = body.name;
  if (body.event !== undefined) set.event = body.event;
  if (body.to !== undefined) set.to = body.to;
  if (body.conditions !== undefined) set.conditions = body.conditions;
  if (body.forMinutes !== undefined) set.forMinutes = body.forMinutes;
  if (body.webhookIds !== undefined) set.webhookIds = body.webhookIds;
  if (body.enabled !== undefined) set.enabled = body.enabled;
  const next = { ...current, ...set };
  validate(next, now);
  if (body.webhookIds) await checkWebhooks(deps, actor.orgId, body.webhookIds);
  const c = collections(deps.db);
  if (
    body.name !== undefined &&
    body.name !== current.name &&
    (await c.rules.findOne({ orgId: actor.orgId, name: body.name }, { projection: { _id: 1 } }))
  ) {
    throw duplicateName(body.name);
  }
  let updated: RuleDoc | null;
  try {
    updated = await c.rules.findOneAndUpdate(
      { _id: id, orgId: actor.orgId },
      { $set: set },
      { returnDocument: 'after' },
    );
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(body.name ?? current.name, err);
    throw err;
  }
  if (!updated) return toRuleView(await findRule(deps, actor.orgId, id));
  const reason = !next.enabled
    ? 'the rule was disabled'
    : HOLD_FIELDS.some((f) => next[f] !== current[f])
      ? `the rule's ${HOLD_FIELDS.filter((f) => next[f] !== current[f]).join(' and ')} changed`
      : null;
  if (reason) {
    await c.ruleFirings.updateMany(
      { orgId: actor.orgId, ruleId: id, status: 'pending' },
      { $set: { status: 'dropped', reason, settledAt: now } },
    );
  }
  await recordAudit(deps, {
    actor,
    action: 'rule.update',
    resource: { type: 'rule', id, name: updated.name },
    details: Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)),
  });
  return toRuleView(updated);
}

/** Deleted with its firings: a pending one never fires. */
export async function deleteRule(deps: ServiceDeps, actor: Actor, id: string): Promise<void> {
  const rule = await findRule(deps, actor.orgId, id);
  const { rules, ruleFirings } = collections(deps.db);
  await rules.deleteOne({ _id: id, orgId: actor.orgId });
  await ruleFirings.deleteMany({ orgId: actor.orgId, ruleId: id });
  await recordAudit(deps, {
    actor,
    action: 'rule.delete',
    resource: { type: 'rule', id, name: rule.name },
  });
}
