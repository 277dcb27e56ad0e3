/**
 * Matching machine events against an org's rules (the `rule.evaluate` job that recording queues): for each
 * enabled rule of the event's type, the event's machine must be one the rule's conditions select (and, for
 * machine.state_changed with `to`, the change must be to that state). A rule without forMinutes fires at
 * once; one with forMinutes keeps a pending firing that the tick fires when due, if its situation held
 * (due.ts). Each rule and event make one firing at most, so a redelivered job acts once.
 */
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { EventDoc, JobDoc, RuleDoc, RuleFiringDoc } from '../db/documents.js';
import { isDuplicateKeyError } from '../db/errors.js';
import type { JobDeps } from '../jobs/jobs.js';
import { MACHINE_EVENT_TYPES, type MachineEventType } from '../model/events/event.js';
import { machineRef, matchedEvent, newFiring, recordTrigger } from './fire.js';
import { supersedes } from './hold.js';
import { selectedMachineIds } from './select.js';

export interface Evaluation {
  /** Rule and event pairs whose machine the rule selects. */
  matched: number;
  fired: number;
  /** Pending firings made (the tick fires them when due). */
  held: number;
}

const MACHINE_EVENTS = new Set<string>(MACHINE_EVENT_TYPES);

/** Whether the rule waits for this event at all (its type, and its `to` for a state change). */
function awaits(rule: RuleDoc, e: EventDoc): boolean {
  if (e.type !== rule.event) return false;
  return rule.to === null || matchedEvent(e).to === rule.to;
}

/** Matches one org's machine events against its enabled rules, firing or holding what matched. */
export async function evaluateRules(deps: JobDeps, orgId: string, events: EventDoc[]): Promise<Evaluation> {
  const result: Evaluation = { matched: 0, fired: 0, held: 0 };
  const ofOrg = events
    .filter((e) => e.orgId === orgId && MACHINE_EVENTS.has(e.type))
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  if (ofOrg.length === 0) return result;
  const now = deps.now();
  const rules = await collections(deps.db)
    .rules.find({
      orgId,
      enabled: true,
      event: { $in: [...new Set(ofOrg.map((e) => e.type as MachineEventType))] },
    })
    .sort({ _id: 1 })
    .toArray();
  for (const rule of rules) {
    const candidates = ofOrg.filter((e) => awaits(rule, e));
    const machineIds = [...new Set(candidates.map((e) => machineRef(e).machineId))];
    const selected = await selectedMachineIds(deps, rule, machineIds, now);
    for (const e of candidates.filter((c) => selected.has(machineRef(c).machineId))) {
      result.matched++;
      const firing = newFiring(rule, e, now);
      if (firing.status === 'fired') {
        if (await fireNow(deps, rule, firing)) result.fired++;
      } else if (await hold(deps, firing)) result.held++;
    }
  }
  return result;
}

/** Fires a firing made as fired; false when this rule and event fired already. */
async function fireNow(deps: JobDeps, rule: RuleDoc, firing: RuleFiringDoc): Promise<boolean> {
  const { ruleFirings } = collections(deps.db);
  try {
    await ruleFirings.insertOne(firing);
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
  try {
    await recordTrigger(deps, rule, firing);
  } catch (err) {
    // Not sent: the firing goes, so the job's retry fires it.
    await ruleFirings.deleteOne({ _id: firing._id, orgId: firing.orgId });
    throw err;
  }
  return true;
}

/**
 * Keeps a pending firing, unless this event was held already or the pending firing of the same rule and
 * machine still stands (supersedes); false when none was added.
 */
async function hold(deps: JobDeps, firing: RuleFiringDoc): Promise<boolean> {
  const { ruleFirings } = collections(deps.db);
  const scope = { orgId: firing.orgId, ruleId: firing.ruleId };
  if (await ruleFirings.findOne({ ...scope, 'event.id': firing.event.id }, { projection: { _id: 1 } })) {
    return false;
  }
  // Twice at most: the second try follows the pending firing this one replaced (or one settled meanwhile).
  for (let attempt = 0; ; attempt++) {
    try {
      await ruleFirings.insertOne(firing);
      return true;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      if (attempt > 0) {
        log.warn('rule firing not held: a concurrent evaluation held another', { ruleId: firing.ruleId });
        return false;
      }
    }
    const pending = await ruleFirings.findOne({ ...scope, machineId: firing.machineId, status: 'pending' });
    if (!pending) {
      // Settled meanwhile, or the duplicate was this event's own firing, made by another run.
      if (await ruleFirings.findOne({ ...scope, 'event.id': firing.event.id })) return false;
      continue;
    }
    if (!supersedes(pending, firing)) return false;
    const reason = `the situation ended and began again at ${firing.heldSince.toISOString()}`;
    await ruleFirings.updateOne(
      { _id: pending._id, status: 'pending' },
      { $set: { status: 'dropped', reason, settledAt: deps.now() } },
    );
    log.info('rule firing dropped: superseded', { ruleId: firing.ruleId, machineId: firing.machineId });
  }
}

/** The worker's handler for `rule.evaluate` jobs: the events it names, from the org's outbox. */
export async function runRuleEvaluation(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const eventIds = Array.isArray(job.input.eventIds) ? (job.input.eventIds as string[]) : [];
  const events = await collections(deps.db)
    .events.find({ orgId: job.orgId, _id: { $in: eventIds } })
    .toArray();
  const result = await evaluateRules(deps, job.orgId, events);
  return { events: events.length, ...result };
}
