/**
 * The rules step of recording: machine events that an enabled rule of the org waits for are queued for
 * evaluation as `rule.evaluate` jobs, run by lib/rules (evaluate.ts). A job, as deliveries are, because
 * the rules stand above this folder (they select machines by conditions, lib/machines): recording never
 * waits for them, and an evaluation that fails is retried on its own.
 */
import { collections } from '../db/collections.js';
import type { EventDoc } from '../db/documents.js';
import { enqueueJobs, type JobDeps, type NewJob } from '../jobs/jobs.js';
import type { SystemActor } from '../model/actor.js';
import { MACHINE_EVENT_TYPES, type MachineEventType } from '../model/events/event.js';

/** Events per evaluation job: a poll that changes a thousand machines queues ten. */
export const RULE_EVALUATION_BATCH = 100;

const MACHINE_EVENTS = new Set<string>(MACHINE_EVENT_TYPES);

export function ruleEvaluationJob(eventIds: string[]): NewJob {
  return {
    type: 'rule.evaluate',
    resource: { type: 'event', id: eventIds[0]! },
    input: { eventIds },
    maxAttempts: 3,
  };
}

/** Queues the org's machine events that some enabled rule waits for; answers how many. */
export async function queueRuleEvaluation(deps: JobDeps, orgId: string, events: EventDoc[]): Promise<number> {
  const machineEvents = events.filter((e) => MACHINE_EVENTS.has(e.type));
  if (machineEvents.length === 0) return 0;
  const types = [...new Set(machineEvents.map((e) => e.type as MachineEventType))];
  const rules = await collections(deps.db)
    .rules.find({ orgId, enabled: true, event: { $in: types } })
    .project<{ event: string }>({ _id: 0, event: 1 })
    .toArray();
  const awaited = new Set(rules.map((r) => r.event));
  const ids = machineEvents.filter((e) => awaited.has(e.type)).map((e) => e._id);
  if (ids.length === 0) return 0;
  const jobs: NewJob[] = [];
  for (let i = 0; i < ids.length; i += RULE_EVALUATION_BATCH) {
    jobs.push(ruleEvaluationJob(ids.slice(i, i + RULE_EVALUATION_BATCH)));
  }
  const actor: SystemActor = { type: 'system', orgId, name: 'rules' };
  await enqueueJobs(deps, actor, jobs);
  return ids.length;
}
