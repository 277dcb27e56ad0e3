import { describe, expect, it } from 'vitest';
import { CreateScheduleBody, UpdateScheduleBody } from '../../lib/model/schedule.js';
import {
  computeNextRunAt,
  type ScheduleDoc,
  type ScheduleTiming,
  scheduleStatus,
} from '../../lib/schedules/rules.js';
import { applySchedulePatch } from '../../lib/schedules/schedules.js';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-05-04T10:07:30Z');

function timing(over: Partial<ScheduleTiming> = {}): ScheduleTiming {
  return {
    enabled: true,
    when: { kind: 'interval', every: { value: 15, unit: 'minutes' }, anchor: at('2026-05-04T10:00:00Z') },
    startAfter: null,
    expiresAt: null,
    maxRunCount: null,
    runImmediately: false,
    runCount: 0,
    ...over,
  };
}

const cron = (expression: string, timeZone = 'UTC') => ({ kind: 'cron' as const, expression, timeZone });

describe('the next run of a schedule', () => {
  it('follows an interval from its anchor, strictly after the given instant', () => {
    expect(computeNextRunAt(timing(), NOW)).toEqual(at('2026-05-04T10:15:00Z'));
    expect(computeNextRunAt(timing(), at('2026-05-04T10:15:00Z'))).toEqual(at('2026-05-04T10:30:00Z'));
  });

  it('follows a cron expression in its time zone', () => {
    expect(computeNextRunAt(timing({ when: cron('30 2 * * *', 'Europe/Berlin') }), NOW)).toEqual(
      at('2026-05-05T00:30:00Z'),
    );
  });

  it('never runs before startAfter, and an occurrence exactly at startAfter counts', () => {
    const s = timing({ when: cron('0 * * * *'), startAfter: at('2026-05-04T15:00:00Z') });
    expect(computeNextRunAt(s, NOW)).toEqual(at('2026-05-04T15:00:00Z'));
    const between = timing({ when: cron('0 * * * *'), startAfter: at('2026-05-04T15:20:00Z') });
    expect(computeNextRunAt(between, NOW)).toEqual(at('2026-05-04T16:00:00Z'));
  });

  it('has no next run when it would fall at or after expiresAt', () => {
    const s = timing({ when: cron('0 * * * *'), expiresAt: at('2026-05-04T11:00:00Z') });
    expect(computeNextRunAt(s, NOW)).toBeNull();
    expect(computeNextRunAt({ ...s, expiresAt: at('2026-05-04T11:00:01Z') }, NOW)).toEqual(
      at('2026-05-04T11:00:00Z'),
    );
  });

  it('has no next run once the max run count is reached', () => {
    expect(computeNextRunAt(timing({ maxRunCount: 3, runCount: 2 }), NOW)).not.toBeNull();
    expect(computeNextRunAt(timing({ maxRunCount: 3, runCount: 3 }), NOW)).toBeNull();
  });

  it('runs a once schedule at its time, and never again after it passed', () => {
    const once = timing({ when: { kind: 'once', at: at('2026-05-04T12:00:00Z') } });
    expect(computeNextRunAt(once, NOW)).toEqual(at('2026-05-04T12:00:00Z'));
    expect(computeNextRunAt({ ...once, runCount: 1 }, at('2026-05-04T12:00:00Z'))).toBeNull();
  });

  it('runs a once schedule set before its startAfter never', () => {
    const once = timing({
      when: { kind: 'once', at: at('2026-05-04T12:00:00Z') },
      startAfter: at('2026-05-05T00:00:00Z'),
    });
    expect(computeNextRunAt(once, NOW)).toBeNull();
  });

  it('runs immediately at creation when asked, then follows the schedule', () => {
    const s = timing({ when: cron('0 * * * *'), runImmediately: true });
    expect(computeNextRunAt(s, NOW)).toEqual(NOW);
    expect(computeNextRunAt({ ...s, runCount: 1 }, NOW)).toEqual(at('2026-05-04T11:00:00Z'));
  });

  it('runs immediately at startAfter, not before, when it starts later', () => {
    const s = timing({
      when: cron('0 * * * *'),
      runImmediately: true,
      startAfter: at('2026-05-04T15:20:00Z'),
    });
    expect(computeNextRunAt(s, NOW)).toEqual(at('2026-05-04T15:20:00Z'));
  });

  it('has no next run while disabled', () => {
    expect(computeNextRunAt(timing({ enabled: false }), NOW)).toBeNull();
  });

  it('collapses missed occurrences after downtime into the single next one', () => {
    const s = timing({ when: cron('* * * * *') });
    expect(computeNextRunAt(s, at('2026-05-04T18:00:30Z'))).toEqual(at('2026-05-04T18:01:00Z'));
  });
});

describe('whether a schedule is active', () => {
  const due = { nextRunAt: at('2026-05-04T10:15:00Z') };

  it('is active while enabled, started, unexpired, under its max run count and with a next run', () => {
    expect(scheduleStatus({ ...timing({ maxRunCount: 5, runCount: 4 }), ...due }, NOW)).toEqual({
      active: true,
      reason: null,
    });
  });

  it('says disabled', () => {
    expect(scheduleStatus({ ...timing({ enabled: false }), nextRunAt: null }, NOW)).toEqual({
      active: false,
      reason: 'disabled',
    });
  });

  it('says not started while startAfter is ahead', () => {
    const s = { ...timing({ startAfter: at('2026-05-05T00:00:00Z') }), ...due };
    expect(scheduleStatus(s, NOW).reason).toBe('not_started');
    expect(scheduleStatus(s, at('2026-05-05T00:00:00Z')).active).toBe(true);
  });

  it('says expired from expiresAt on', () => {
    const s = { ...timing({ expiresAt: at('2026-05-04T10:07:30Z') }), ...due };
    expect(scheduleStatus(s, NOW).reason).toBe('expired');
    expect(scheduleStatus(s, at('2026-05-04T10:07:29Z')).active).toBe(true);
  });

  it('says max run count reached', () => {
    expect(scheduleStatus({ ...timing({ maxRunCount: 2, runCount: 2 }), nextRunAt: null }, NOW).reason).toBe(
      'max_run_count_reached',
    );
  });

  it('says no next run for a once schedule that already ran', () => {
    const once = timing({ when: { kind: 'once', at: at('2026-05-04T09:00:00Z') }, runCount: 1 });
    expect(scheduleStatus({ ...once, nextRunAt: null }, NOW)).toEqual({
      active: false,
      reason: 'no_next_run',
    });
  });
});

describe('the schedule request grammar', () => {
  const base = {
    name: 'nightly stop',
    conditions: { tags: { include: ['env=dev'] } },
    action: { type: 'machine.action', action: 'stop' },
    when: { kind: 'cron', expression: '0 22 * * 1-5', timeZone: 'Europe/Berlin' },
  };
  const problems = (body: unknown) =>
    CreateScheduleBody.safeParse(body).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

  it('accepts a schedule and fills in the defaults', () => {
    const parsed = CreateScheduleBody.parse({ ...base, when: { kind: 'cron', expression: '@daily' } });
    expect(parsed).toMatchObject({ enabled: true, runImmediately: false, when: { timeZone: 'UTC' } });
  });

  it('names the cron field that is wrong', () => {
    expect(problems({ ...base, when: { kind: 'cron', expression: '0 25 * * *' } })).toEqual([
      'when.expression: cron field "hour": 25 is out of range 0-23',
    ]);
  });

  it('names an unknown time zone', () => {
    expect(
      problems({ ...base, when: { kind: 'cron', expression: '0 1 * * *', timeZone: 'Mars/Olympus' } }),
    ).toEqual([
      'when.timeZone: unknown time zone "Mars/Olympus" (expected an IANA name such as "Europe/Berlin")',
    ]);
  });

  it('wants a size for resize and a name for rename, and nothing extra for the others', () => {
    expect(problems({ ...base, action: { type: 'machine.action', action: 'resize' } })).toEqual([
      'action.params.size: resize needs "size": the new size id',
    ]);
    expect(problems({ ...base, action: { type: 'machine.action', action: 'rename', params: {} } })).toEqual([
      'action.params.name: rename needs "name": the new name',
    ]);
    expect(
      problems({ ...base, action: { type: 'machine.action', action: 'stop', params: { size: 'x' } } }),
    ).toEqual(['action.params.size: size applies to resize only']);
  });

  it('bounds intervals and run counts, and wants expiresAt after startAfter', () => {
    expect(
      problems({ ...base, when: { kind: 'interval', every: { value: 0, unit: 'minutes' } } }),
    ).toHaveLength(1);
    expect(
      problems({ ...base, when: { kind: 'interval', every: { value: 5, unit: 'weeks' } } }),
    ).toHaveLength(1);
    expect(problems({ ...base, maxRunCount: 0 })).toHaveLength(1);
    expect(
      problems({ ...base, startAfter: '2026-05-04T10:00:00Z', expiresAt: '2026-05-04T09:00:00Z' }),
    ).toEqual(['expiresAt: expiresAt must be after startAfter']);
  });

  it('wants at least one field in an update', () => {
    expect(UpdateScheduleBody.safeParse({}).success).toBe(false);
    expect(UpdateScheduleBody.safeParse({ expiresAt: null }).success).toBe(true);
  });
});

describe('a change to a schedule', () => {
  const current: ScheduleDoc = {
    _id: 'sch_AAAAAAAAAAAAAAAA',
    orgId: 'org_AAAAAAAAAAAAAAAA',
    name: 'n',
    description: null,
    conditions: { ids: ['mch_x'] },
    action: { type: 'machine.action', action: 'stop' },
    createdBy: { type: 'system', id: 'system:test', name: 'test' },
    createdAt: at('2026-05-01T00:00:00Z'),
    updatedAt: at('2026-05-01T00:00:00Z'),
    lastRunAt: null,
    nextRunAt: at('2026-05-04T10:15:00Z'),
    ...timing(),
  };

  it('keeps the next run when only the target changes', () => {
    const next = applySchedulePatch(current, { conditions: { ids: ['mch_y'] }, name: 'm' }, NOW);
    expect(next).toMatchObject({ name: 'm', nextRunAt: current.nextRunAt, updatedAt: NOW });
  });

  it('re-anchors an interval on a new startAfter', () => {
    const next = applySchedulePatch(current, { startAfter: '2026-05-05T09:00:00Z' }, NOW);
    expect(next.when).toMatchObject({ anchor: at('2026-05-05T09:00:00Z') });
    expect(next.nextRunAt).toEqual(at('2026-05-05T09:00:00Z'));
  });

  it('anchors a new interval now, and recomputes from now', () => {
    const next = applySchedulePatch(
      current,
      { when: { kind: 'interval', every: { value: 1, unit: 'hours' } } },
      NOW,
    );
    expect(next.when).toMatchObject({ kind: 'interval', anchor: NOW });
    expect(next.nextRunAt).toEqual(at('2026-05-04T11:07:30Z'));
  });

  it('clears the next run on disable and plans it from now on enable', () => {
    const off = applySchedulePatch(current, { enabled: false }, NOW);
    expect(off.nextRunAt).toBeNull();
    const later = at('2026-05-04T13:01:00Z');
    expect(applySchedulePatch(off, { enabled: true }, later).nextRunAt).toEqual(at('2026-05-04T13:15:00Z'));
  });
});
