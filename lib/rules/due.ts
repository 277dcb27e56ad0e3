/**
 * The tick's part of rules: the pending firings that are due fire if their situation held (hold.ts:
 * decideFiring, against the machine as the inventory and the probes have it now, and the rule as it is
 * now), and are dropped otherwise, with the reason kept on the firing and never sent. A firing is claimed
 * atomically, so two ticks never fire it twice.
 */
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { RuleDoc, RuleFiringDoc } from '../db/documents.js';
import type { JobDeps } from '../jobs/jobs.js';
import { recordTrigger } from './fire.js';
import { decideFiring, type FiringDecision } from './hold.js';
import { selectedMachineIds } from './select.js';

export interface DueFirings {
  fired: number;
  dropped: number;
}

async function decide(
  deps: JobDeps,
  firing: RuleFiringDoc,
  rule: RuleDoc | null,
  now: Date,
): Promise<FiringDecision> {
  const machine = await collections(deps.db).machines.findOne(
    { _id: firing.machineId, orgId: firing.orgId },
    { projection: { state: 1, missingSince: 1, unreachableSince: 1 } },
  );
  const selected =
    rule !== null &&
    machine !== null &&
    (await selectedMachineIds(deps, rule, [firing.machineId], now)).has(firing.machineId);
  return decideFiring({ firing, rule, machine, selected, now });
}

/** Fires or drops the due firings (the most overdue first, `limit` a tick); answers how many of each. */
export async function fireDueRules(deps: JobDeps, limit = 200): Promise<DueFirings> {
  const c = collections(deps.db);
  const now = deps.now();
  const due = await c.ruleFirings
    .find({ status: 'pending', dueAt: { $lte: now } })
    .sort({ dueAt: 1 })
    .limit(limit)
    .toArray();
  const rules = new Map<string, RuleDoc | null>();
  const counts: DueFirings = { fired: 0, dropped: 0 };
  for (const firing of due) {
    if (!rules.has(firing.ruleId)) {
      rules.set(firing.ruleId, await c.rules.findOne({ _id: firing.ruleId, orgId: firing.orgId }));
    }
    const rule = rules.get(firing.ruleId) ?? null;
    const decision = await decide(deps, firing, rule, now);
    if (decision.action === 'wait') continue;
    const settled = { settledAt: now, ...(decision.action === 'drop' ? { reason: decision.reason } : {}) };
    const claimed = await c.ruleFirings.updateOne(
      { _id: firing._id, status: 'pending' },
      { $set: { status: decision.action === 'fire' ? 'fired' : 'dropped', ...settled } },
    );
    if (claimed.modifiedCount === 0) continue; // another tick took it
    if (decision.action === 'drop') {
      counts.dropped++;
      log.info('rule firing dropped: the situation did not hold', {
        ruleId: firing.ruleId,
        machineId: firing.machineId,
        reason: decision.reason,
      });
      continue;
    }
    try {
      await recordTrigger(deps, rule!, firing);
      counts.fired++;
    } catch (err) {
      // Not sent: pending again, for the next tick.
      await c.ruleFirings.updateOne(
        { _id: firing._id, status: 'fired' },
        { $set: { status: 'pending', settledAt: null } },
      );
      log.warn('rule firing failed, kept for the next tick', { ruleId: firing.ruleId, error: err });
    }
  }
  if (counts.fired + counts.dropped > 0) log.info('due rule firings settled', { ...counts });
  return counts;
}
