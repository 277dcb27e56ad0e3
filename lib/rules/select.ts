/**
 * Which machines a rule's conditions select, among some: the conditions compiled as schedules compile
 * them, AND the ids, in one org-scoped query. A rule on machine.missing looks at missing machines too
 * (every other selection leaves them out).
 */
import type { Filter } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import type { MachineDoc, RuleDoc } from '../db/documents.js';
import { BOUNDED } from '../db/limits.js';
import { compileConditions, machineScope } from '../machines/conditions.js';

type Selecting = Pick<RuleDoc, 'orgId' | 'event' | 'conditions'>;

/** The rule's machines, as one filter (throws UnprocessableError for conditions beyond the compiler's limits). */
export function ruleFilter(rule: Selecting, now: Date): Filter<MachineDoc> {
  const o = { includeMissing: rule.event === 'machine.missing' };
  return rule.conditions
    ? compileConditions(rule.conditions, rule.orgId, now, o)
    : machineScope(rule.orgId, o);
}

export async function selectedMachineIds(
  deps: ServiceDeps,
  rule: Selecting,
  machineIds: string[],
  now: Date,
): Promise<Set<string>> {
  if (machineIds.length === 0) return new Set();
  const found = await collections(deps.db)
    .machines.find(
      { $and: [ruleFilter(rule, now), { _id: { $in: machineIds } }] },
      { ...BOUNDED, projection: { _id: 1 } },
    )
    .toArray();
  return new Set(found.map((m) => m._id));
}
