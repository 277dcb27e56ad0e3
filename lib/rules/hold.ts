/**
 * The pure decisions of rules, with the clock passed in: when a matched event's situation began and when
 * its firing is due, which of two pending firings of one rule and machine stands, and whether a due firing
 * fires or is dropped because its situation did not hold.
 */
import type { MachineEventType } from '../model/events/event.js';
import type { MachineState } from '../providers/compute.js';

const MINUTE_MS = 60_000;

/** What an event tells of its situation: its type, time, and what its data says of the machine. */
export interface MatchedEvent {
  type: MachineEventType;
  at: Date;
  /** machine.state_changed: the new state. */
  to?: MachineState | null;
  /** machine.unreachable: the outage's first failed probe. */
  since?: Date | null;
}

/**
 * When the situation began: the outage's first failed probe for machine.unreachable (an outage is noticed
 * after it starts: "unreachable for 5 minutes" counts from then), else the event's time.
 */
export function heldSince(event: MatchedEvent): Date {
  if (event.type === 'machine.unreachable' && event.since && event.since < event.at) return event.since;
  return event.at;
}

/** When a firing is due: the situation's start plus the rule's minutes; at once without them. */
export function dueAt(event: MatchedEvent, forMinutes: number | null): Date {
  const start = heldSince(event);
  return forMinutes === null ? start : new Date(start.getTime() + forMinutes * MINUTE_MS);
}

/**
 * A second matching event while a firing of the same rule and machine is pending: a later start means the
 * first situation ended in between (a machine only becomes unreachable, missing, reachable or a state
 * again after it stopped being so), so the new firing replaces it; the same or an earlier start (the same
 * outage told twice, an event late) leaves the pending one standing.
 */
export function supersedes(pending: { heldSince: Date }, candidate: { heldSince: Date }): boolean {
  return candidate.heldSince.getTime() > pending.heldSince.getTime();
}

/** The machine as the inventory and the probes have it now. */
export interface MachineSituation {
  state: MachineState;
  missingSince: Date | null;
  unreachableSince?: Date | null;
}

export interface DueFiring {
  event: { type: MachineEventType; to: MachineState | null };
  heldSince: Date;
  dueAt: Date;
}

export type FiringDecision = { action: 'wait' } | { action: 'fire' } | { action: 'drop'; reason: string };

export interface FiringCheck {
  firing: DueFiring;
  /** The rule as it is now; null when deleted. */
  rule: { enabled: boolean } | null;
  /** null when the machine is no longer in the inventory. */
  machine: MachineSituation | null;
  /** Whether the rule's conditions still select the machine. */
  selected: boolean;
  now: Date;
}

const iso = (d: Date) => d.toISOString();

/** Whether a pending firing fires now, waits, or is dropped (and why), from the state of things at `now`. */
export function decideFiring({ firing, rule, machine, selected, now }: FiringCheck): FiringDecision {
  if (now.getTime() < firing.dueAt.getTime()) return { action: 'wait' };
  if (!rule) return { action: 'drop', reason: 'the rule was deleted' };
  if (!rule.enabled) return { action: 'drop', reason: 'the rule is disabled' };
  if (!machine) return { action: 'drop', reason: 'the machine is no longer in the inventory' };
  const type = firing.event.type;
  if (type !== 'machine.missing' && machine.missingSince) {
    return { action: 'drop', reason: `the machine has been missing since ${iso(machine.missingSince)}` };
  }
  if (!selected) return { action: 'drop', reason: "the rule's conditions no longer select the machine" };
  const reason = situationEnded(firing, machine);
  return reason ? { action: 'drop', reason } : { action: 'fire' };
}

/** Why the event's situation no longer holds, or undefined while it does. */
function situationEnded(firing: DueFiring, machine: MachineSituation): string | undefined {
  switch (firing.event.type) {
    case 'machine.unreachable': {
      // The event's `since` is the probes' unreachableSince: a later one is another outage.
      const down = machine.unreachableSince;
      if (!down) return 'the machine is reachable again';
      if (down.getTime() > firing.heldSince.getTime()) {
        return `the machine was reachable in between (down again since ${iso(down)})`;
      }
      return undefined;
    }
    case 'machine.state_changed':
      return machine.state === firing.event.to
        ? undefined
        : `the machine is ${machine.state} now, no longer ${firing.event.to}`;
    case 'machine.missing':
      // A machine back and gone again in between told a new machine.missing, which replaced this firing.
      return machine.missingSince ? undefined : 'the machine is back';
    case 'machine.reachable':
      return machine.unreachableSince
        ? `the machine is unreachable again since ${iso(machine.unreachableSince)}`
        : undefined;
    case 'machine.created':
      return undefined;
  }
}
