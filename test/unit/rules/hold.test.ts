/** The pure decisions of rules: when a firing is due, which pending firing stands, and whether it fires. */
import { describe, expect, it } from 'vitest';
import {
  type DueFiring,
  decideFiring,
  dueAt,
  type FiringCheck,
  heldSince,
  type MachineSituation,
  supersedes,
} from '../../../lib/rules/hold.js';

const T0 = new Date('2026-12-04T10:00:00Z');
const min = (n: number) => new Date(T0.getTime() + n * 60_000);

const unreachable: DueFiring = {
  event: { type: 'machine.unreachable', to: null },
  heldSince: T0,
  dueAt: min(5),
};
const down: MachineSituation = { state: 'running', missingSince: null, unreachableSince: T0 };

const check = (over: Partial<FiringCheck>): FiringCheck => ({
  firing: unreachable,
  rule: { enabled: true },
  machine: down,
  selected: true,
  now: min(5),
  ...over,
});

describe('when a firing is due', () => {
  it('counts an outage from its first failed probe, not from when it was noticed', () => {
    const event = { type: 'machine.unreachable' as const, at: min(2), since: T0 };
    expect(heldSince(event)).toEqual(T0);
    expect(dueAt(event, 5)).toEqual(min(5));
  });

  it("counts every other situation from the event's time", () => {
    const event = { type: 'machine.state_changed' as const, at: min(2), to: 'stopped' as const };
    expect(heldSince(event)).toEqual(min(2));
    expect(dueAt(event, 10)).toEqual(min(12));
  });

  it('is due at once without forMinutes', () => {
    expect(dueAt({ type: 'machine.created', at: T0 }, null)).toEqual(T0);
  });

  it('ignores a `since` after the event (the event time is the latest the outage can have begun)', () => {
    expect(heldSince({ type: 'machine.unreachable', at: T0, since: min(1) })).toEqual(T0);
  });
});

describe('a second matching event while a firing is pending', () => {
  it('replaces it when its situation began later (the first one ended in between)', () => {
    expect(supersedes({ heldSince: T0 }, { heldSince: min(3) })).toBe(true);
  });

  it('leaves it standing when told of the same start again, or of an earlier one late', () => {
    expect(supersedes({ heldSince: T0 }, { heldSince: T0 })).toBe(false);
    expect(supersedes({ heldSince: min(3) }, { heldSince: T0 })).toBe(false);
  });
});

describe('a due firing', () => {
  it('waits until its time, to the millisecond', () => {
    expect(decideFiring(check({ now: new Date(min(5).getTime() - 1) }))).toEqual({ action: 'wait' });
    expect(decideFiring(check({ now: min(4) }))).toEqual({ action: 'wait' });
  });

  it('fires when the machine is still unreachable in the same outage, at or after its time', () => {
    expect(decideFiring(check({}))).toEqual({ action: 'fire' });
    expect(decideFiring(check({ now: min(30) }))).toEqual({ action: 'fire' });
  });

  it('is dropped when the machine is reachable again', () => {
    expect(decideFiring(check({ machine: { ...down, unreachableSince: null } }))).toEqual({
      action: 'drop',
      reason: 'the machine is reachable again',
    });
  });

  it('is dropped when the machine was reachable in between and is down in another outage', () => {
    const decision = decideFiring(check({ machine: { ...down, unreachableSince: min(3) } }));
    expect(decision).toEqual({
      action: 'drop',
      reason: `the machine was reachable in between (down again since ${min(3).toISOString()})`,
    });
  });

  it("fires a state change only while the machine is still in the event's new state", () => {
    const stopped: DueFiring = {
      event: { type: 'machine.state_changed', to: 'stopped' },
      heldSince: T0,
      dueAt: min(10),
    };
    const at = { firing: stopped, now: min(10) };
    expect(decideFiring(check({ ...at, machine: { state: 'stopped', missingSince: null } }))).toEqual({
      action: 'fire',
    });
    expect(decideFiring(check({ ...at, machine: { state: 'running', missingSince: null } }))).toEqual({
      action: 'drop',
      reason: 'the machine is running now, no longer stopped',
    });
  });

  it('fires machine.missing while the machine is still missing, and drops it once it is back', () => {
    const missing: DueFiring = {
      event: { type: 'machine.missing', to: null },
      heldSince: T0,
      dueAt: min(60),
    };
    const at = { firing: missing, now: min(60) };
    expect(decideFiring(check({ ...at, machine: { state: 'running', missingSince: T0 } }))).toEqual({
      action: 'fire',
    });
    expect(decideFiring(check({ ...at, machine: { state: 'running', missingSince: null } }))).toEqual({
      action: 'drop',
      reason: 'the machine is back',
    });
  });

  it('fires machine.reachable while the machine stays reachable', () => {
    const up: DueFiring = { event: { type: 'machine.reachable', to: null }, heldSince: T0, dueAt: min(5) };
    const at = { firing: up, now: min(5) };
    const reachable = { state: 'running' as const, missingSince: null, unreachableSince: null };
    expect(decideFiring(check({ ...at, machine: reachable }))).toEqual({ action: 'fire' });
    expect(decideFiring(check({ ...at, machine: { ...reachable, unreachableSince: min(4) } }))).toMatchObject(
      {
        action: 'drop',
        reason: expect.stringContaining('unreachable again'),
      },
    );
  });

  it('fires machine.created with nothing to check again but the machine itself', () => {
    const created: DueFiring = { event: { type: 'machine.created', to: null }, heldSince: T0, dueAt: min(1) };
    const machine = { state: 'stopped' as const, missingSince: null };
    expect(decideFiring(check({ firing: created, machine, now: min(1) }))).toEqual({ action: 'fire' });
  });

  it('is dropped, whatever its situation, when the rule, the machine or its selection is gone', () => {
    expect(decideFiring(check({ rule: null }))).toEqual({ action: 'drop', reason: 'the rule was deleted' });
    expect(decideFiring(check({ rule: { enabled: false } }))).toEqual({
      action: 'drop',
      reason: 'the rule is disabled',
    });
    expect(decideFiring(check({ machine: null }))).toEqual({
      action: 'drop',
      reason: 'the machine is no longer in the inventory',
    });
    expect(decideFiring(check({ machine: { ...down, missingSince: min(2) } }))).toEqual({
      action: 'drop',
      reason: `the machine has been missing since ${min(2).toISOString()}`,
    });
    expect(decideFiring(check({ selected: false }))).toEqual({
      action: 'drop',
      reason: "the rule's conditions no longer select the machine",
    });
  });

  it('never drops a waiting firing early, even when its rule is gone', () => {
    expect(decideFiring(check({ rule: null, now: min(1) }))).toEqual({ action: 'wait' });
  });
});
