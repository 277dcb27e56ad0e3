import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../lib/core/errors.js';
import { assertTimeZone, instantFor, wallClock } from '../../../lib/cron/timezone.js';

const at = (iso: string) => new Date(iso);

describe('checking a time zone name', () => {
  it('accepts IANA names and UTC', () => {
    for (const tz of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC']) {
      expect(() => assertTimeZone(tz)).not.toThrow();
    }
  });

  it('rejects an unknown name, naming it', () => {
    expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow(UnprocessableError);
    expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow('unknown time zone "Mars/Olympus_Mons"');
  });

  it('rejects an empty name', () => {
    expect(() => assertTimeZone('')).toThrow('time zone must be a non-empty IANA name');
  });
});

describe('reading the wall clock of an instant', () => {
  it('gives the local date, time and weekday in winter and in summer', () => {
    expect(wallClock(at('2026-01-15T12:34:56Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 1,
      day: 15,
      hour: 13,
      minute: 34,
      weekday: 4,
    });
    expect(wallClock(at('2026-07-15T12:34:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 14, minute: 34 });
  });

  it('crosses the date line backwards from UTC', () => {
    expect(wallClock(at('2026-01-01T03:00:00Z'), 'America/New_York')).toEqual({
      year: 2025,
      month: 12,
      day: 31,
      hour: 22,
      minute: 0,
      weekday: 3,
    });
  });

  it('handles half-hour offsets', () => {
    expect(wallClock(at('2026-05-01T00:00:00Z'), 'Asia/Kolkata')).toMatchObject({ hour: 5, minute: 30 });
  });

  it('shows midnight as hour 0, never 24', () => {
    expect(wallClock(at('2026-05-01T22:00:00Z'), 'Europe/Berlin')).toMatchObject({ day: 2, hour: 0 });
  });
});

describe('finding the instant of a local wall time', () => {
  it('applies the standard and the summer offset', () => {
    const wall = { year: 2026, month: 1, day: 15, hour: 9, minute: 0 };
    expect(instantFor(wall, 'Europe/Berlin')).toEqual(at('2026-01-15T08:00:00Z'));
    expect(instantFor({ ...wall, month: 7 }, 'Europe/Berlin')).toEqual(at('2026-07-15T07:00:00Z'));
    expect(instantFor(wall, 'America/New_York')).toEqual(at('2026-01-15T14:00:00Z'));
    expect(instantFor(wall, 'UTC')).toEqual(at('2026-01-15T09:00:00Z'));
  });

  it('maps a time inside the spring-forward gap to the moment the gap ends', () => {
    // Berlin 2026-03-29 02:00 CET -> 03:00 CEST; New York 2026-03-08 02:00 EST -> 03:00 EDT.
    expect(instantFor({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')).toEqual(
      at('2026-03-29T01:00:00Z'),
    );
    expect(instantFor({ year: 2026, month: 3, day: 29, hour: 2, minute: 0 }, 'Europe/Berlin')).toEqual(
      at('2026-03-29T01:00:00Z'),
    );
    expect(instantFor({ year: 2026, month: 3, day: 8, hour: 2, minute: 59 }, 'America/New_York')).toEqual(
      at('2026-03-08T07:00:00Z'),
    );
  });

  it('maps a time inside the fall-back overlap to its first occurrence', () => {
    // Berlin 2026-10-25 03:00 CEST -> 02:00 CET; New York 2026-11-01 02:00 EDT -> 01:00 EST.
    expect(instantFor({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin')).toEqual(
      at('2026-10-25T00:30:00Z'),
    );
    expect(instantFor({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York')).toEqual(
      at('2026-11-01T05:30:00Z'),
    );
  });

  it('handles a zone whose clocks shift by half an hour', () => {
    // Lord Howe Island: 2026-10-04 02:00 +10:30 -> 02:30 +11, 2026-04-05 02:00 +11 -> 01:30 +10:30.
    expect(instantFor({ year: 2026, month: 10, day: 4, hour: 2, minute: 15 }, 'Australia/Lord_Howe')).toEqual(
      at('2026-10-03T15:30:00Z'),
    );
    expect(instantFor({ year: 2026, month: 4, day: 5, hour: 1, minute: 45 }, 'Australia/Lord_Howe')).toEqual(
      at('2026-04-04T14:45:00Z'),
    );
  });

  it('round-trips every valid wall time of a DST day', () => {
    for (let m = 0; m < 24 * 60; m += 7) {
      const instant = new Date(Date.UTC(2026, 10, 1, 4, 0) + m * 60_000);
      const wall = wallClock(instant, 'America/New_York');
      const back = instantFor(wall, 'America/New_York');
      // The second pass of the repeated hour resolves to the first, one hour earlier.
      const expected = wall.hour === 1 && instant >= at('2026-11-01T06:00:00Z') ? -3_600_000 : 0;
      expect(back.getTime() - instant.getTime()).toBe(expected);
    }
  });
});
