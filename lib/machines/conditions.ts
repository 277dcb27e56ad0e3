/**
 * Conditions compile into one MongoDB filter over the org's machines, missing machines always excluded:
 * the database does the selecting, never a loop over the whole inventory. Compiling is pure, with the
 * clock passed in (ages are relative to `now`).
 */

import type { Filter } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { MachineDoc } from '../db/documents.js';
import { BOUNDED } from '../db/limits.js';
import {
  CONDITION_FIELDS,
  type ConditionNode,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_NODES,
} from '../model/condition.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

export function durationMs(d: string): number {
  return Number(d.slice(0, -1)) * UNIT_MS[d.slice(-1) as keyof typeof UNIT_MS];
}

const OPS = {
  eq: '$eq',
  ne: '$ne',
  gt: '$gt',
  gte: '$gte',
  lt: '$lt',
  lte: '$lte',
  in: '$in',
  nin: '$nin',
} as const;

/** `key` matches any value of the tag, `key=value` that value (split at the first "="). */
export function tagFilter(tag: string): Filter<MachineDoc> {
  const eq = tag.indexOf('=');
  if (eq < 0) return { tags: { $elemMatch: { k: tag } } };
  return { tags: { $elemMatch: { k: tag.slice(0, eq), v: tag.slice(eq + 1) } } };
}

function fieldFilter(node: ConditionNode): Filter<MachineDoc> {
  const spec = CONDITION_FIELDS[node.field!];
  const convert = (v: unknown) => (spec.type === 'date' ? new Date(v as string) : v);
  if (node.op === 'regex') {
    // Anchored at the start, so it cannot match by accident mid-string; written `^literal...` when it has no
    // alternation, because that form lets MongoDB (and the embedded server) scan an index range.
    const pattern = node.value as string;
    const anchored = pattern.includes('|') ? `^(?:${pattern})` : `^${pattern.replace(/^\^/, '')}`;
    return { [spec.as]: { $regex: anchored } } as Filter<MachineDoc>;
  }
  const value = Array.isArray(node.value) ? node.value.map(convert) : convert(node.value);
  return { [spec.as]: { [OPS[node.op as keyof typeof OPS]]: value } } as Filter<MachineDoc>;
}

interface Walk {
  now: Date;
  nodes: number;
}

function compileNode(node: ConditionNode, path: string, depth: number, walk: Walk): Filter<MachineDoc> {
  walk.nodes++;
  if (walk.nodes > MAX_CONDITION_NODES) {
    throw new UnprocessableError(`conditions: more than ${MAX_CONDITION_NODES} conditions in all`);
  }
  if (depth > MAX_CONDITION_DEPTH) {
    throw new UnprocessableError(`${path}: nested deeper than ${MAX_CONDITION_DEPTH} levels`);
  }
  if (node.field) return fieldFilter(node);
  if (node.tags) {
    const include = (node.tags.include ?? []).map(tagFilter);
    const exclude = (node.tags.exclude ?? []).map((t) => ({ tags: { $not: tagFilter(t).tags } }));
    const parts = [...include, ...exclude] as Filter<MachineDoc>[];
    if (parts.length === 0) throw new UnprocessableError(`${path}.tags: give include or exclude`);
    return parts.length === 1 ? parts[0]! : { $and: parts };
  }
  if (node.ids) return { _id: { $in: node.ids } };
  if (node.age)
    return { firstSeenAt: { $lte: new Date(walk.now.getTime() - durationMs(node.age.olderThan)) } };
  if (node.all) return { $and: node.all.map((c, i) => compileNode(c, `${path}.all.${i}`, depth + 1, walk)) };
  if (node.any) return { $or: node.any.map((c, i) => compileNode(c, `${path}.any.${i}`, depth + 1, walk)) };
  if (node.not) return { $nor: [compileNode(node.not, `${path}.not`, depth + 1, walk)] };
  throw new UnprocessableError(`${path}: an empty condition`);
}

export interface CompileOptions {
  /** Missing machines too (a rule on machine.missing); every other selection leaves them out. */
  includeMissing?: boolean;
}

/** The org's machines, present ones only unless told otherwise: what conditions narrow. */
export function machineScope(orgId: string, o: CompileOptions = {}): Filter<MachineDoc> {
  return o.includeMissing ? { orgId } : { orgId, missingSince: null };
}

/** The filter for the org's present (not missing) machines that match. */
export function compileConditions(
  conditions: ConditionNode,
  orgId: string,
  now: Date,
  o: CompileOptions = {},
): Filter<MachineDoc> {
  const walk: Walk = { now, nodes: 0 };
  return { $and: [machineScope(orgId, o), compileNode(conditions, 'conditions', 1, walk)] };
}

export interface ConditionsPreview {
  count: number;
  byState: Record<string, number>;
  items: Array<{ id: string; name: string; state: string; cloudId: string }>;
}

export async function previewConditions(
  deps: ServiceDeps,
  orgId: string,
  conditions: ConditionNode,
  limit: number,
): Promise<ConditionsPreview> {
  const filter = compileConditions(conditions, orgId, deps.now());
  const { machines } = collections(deps.db);
  const [items, groups] = await Promise.all([
    machines
      .find(filter, { ...BOUNDED, projection: { _id: 1, name: 1, state: 1, cloudId: 1 } })
      .sort({ name: 1, _id: 1 })
      .limit(limit)
      .toArray(),
    machines
      .aggregate<{ _id: string; n: number }>(
        [{ $match: filter }, { $group: { _id: '$state', n: { $sum: 1 } } }],
        BOUNDED,
      )
      .toArray(),
  ]);
  const byState = Object.fromEntries(groups.map((g) => [g._id, g.n]));
  return {
    count: groups.reduce((n, g) => n + g.n, 0),
    byState,
    items: items.map((m) => ({ id: m._id, name: m.name, state: m.state, cloudId: m.cloudId })),
  };
}

/** What deciding a machine action needs of each machine (checkAction's inputs, and its name). */
export const ACTION_FIELDS = {
  _id: 1,
  orgId: 1,
  name: 1,
  provider: 1,
  state: 1,
  size: 1,
  actions: 1,
  missingSince: 1,
} as const;

/**
 * The first `limit` machines (by id) the conditions select, with the fields an action needs, and whether
 * more matched.
 */
export async function findMachinesForAction(
  deps: ServiceDeps,
  orgId: string,
  conditions: ConditionNode,
  limit: number,
  now: Date = deps.now(),
): Promise<{ machines: MachineDoc[]; truncated: boolean }> {
  const filter = compileConditions(conditions, orgId, now);
  const machines = (await collections(deps.db)
    .machines.find(filter, { ...BOUNDED, projection: ACTION_FIELDS })
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray()) as MachineDoc[];
  const truncated = machines.length > limit;
  return { machines: truncated ? machines.slice(0, limit) : machines, truncated };
}
