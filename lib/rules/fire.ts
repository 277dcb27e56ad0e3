/**
 * A rule's firing: made from the machine event that matched, and, when it fires, a rule.triggered event
 * recorded for the rule's webhooks only (recordEvents' named delivery: whatever events those webhooks
 * subscribe to, disabled ones skipped), through the same outbox, signing and retries as every event.
 */
import { collections } from '../db/collections.js';
import type { EventDoc, EventMachineRef, RuleDoc, RuleFiringDoc } from '../db/documents.js';
import { EVENT_TTL_MS, recordEvents } from '../events/record.js';
import type { JobDeps } from '../jobs/jobs.js';
import { newId } from '../model/common.js';
import type { MachineEventType } from '../model/events/event.js';
import type { MachineState } from '../providers/compute.js';
import { dueAt, heldSince, type MatchedEvent } from './hold.js';

/** What a machine event's data says, as far as rules read it. */
interface MachineEventData extends EventMachineRef {
  to?: MachineState;
  since?: string;
}

export function machineRef(e: EventDoc): EventMachineRef {
  const d = e.data as unknown as MachineEventData;
  return {
    machineId: d.machineId,
    cloudId: d.cloudId,
    provider: d.provider,
    externalId: d.externalId,
    name: d.name,
    region: d.region,
  };
}

export function matchedEvent(e: EventDoc): MatchedEvent {
  const d = e.data as unknown as MachineEventData;
  return {
    type: e.type as MachineEventType,
    at: e.timestamp,
    to: d.to ?? null,
    since: d.since ? new Date(d.since) : null,
  };
}

/** The firing of `rule` for event `e`: pending until due, or (without forMinutes) fired as it is made. */
export function newFiring(rule: RuleDoc, e: EventDoc, now: Date): RuleFiringDoc {
  const matched = matchedEvent(e);
  const due = dueAt(matched, rule.forMinutes);
  return {
    _id: newId('ruleFiring'),
    orgId: rule.orgId,
    ruleId: rule._id,
    machineId: machineRef(e).machineId,
    event: { id: e._id, type: matched.type, at: e.timestamp, to: matched.to ?? null },
    machine: machineRef(e),
    heldSince: heldSince(matched),
    dueAt: due,
    forMinutes: rule.forMinutes,
    status: rule.forMinutes === null ? 'fired' : 'pending',
    reason: null,
    triggeredEventId: null,
    createdAt: now,
    settledAt: rule.forMinutes === null ? now : null,
    expireAt: new Date(Math.max(due.getTime(), now.getTime()) + EVENT_TTL_MS),
  };
}

/** Records the rule.triggered event of a firing, for the rule's webhooks; answers its id. */
export async function recordTrigger(
  deps: JobDeps,
  rule: RuleDoc,
  firing: RuleFiringDoc,
): Promise<string | null> {
  const [event] = await recordEvents(deps, [
    {
      orgId: rule.orgId,
      type: 'rule.triggered',
      data: {
        ruleId: rule._id,
        name: rule.name,
        event: { id: firing.event.id, type: firing.event.type },
        machine: firing.machine,
        forMinutes: firing.forMinutes,
        heldSince: firing.heldSince.toISOString(),
      },
      webhookIds: rule.webhookIds,
    },
  ]);
  const c = collections(deps.db);
  await c.rules.updateOne({ _id: rule._id, orgId: rule.orgId }, { $set: { lastFiredAt: deps.now() } });
  if (event) {
    await c.ruleFirings.updateOne(
      { _id: firing._id, orgId: firing.orgId },
      { $set: { triggeredEventId: event._id } },
    );
  }
  return event?._id ?? null;
}
