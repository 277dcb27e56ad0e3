import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../lib/core/errors.js';
import { parseCron } from '../../../lib/cron/cron.js';

const range = (from: number, to: number, step = 1) => {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
};

const rejects = (expression: string, message: string) => {
  expect(() => parseCron(expression)).toThrow(UnprocessableError);
  expect(() => parseCron(expression)).toThrow(message);
};

describe('parsing a cron expression', () => {
  it('reads * as every value of the field', () => {
    const spec = parseCron('* * * * *');
    expect(spec.minutes).toEqual(range(0, 59));
    expect(spec.hours).toEqual(range(0, 23));
    expect(spec.daysOfMonth).toEqual(range(1, 31));
    expect(spec.months).toEqual(range(1, 12));
    expect(spec.daysOfWeek).toEqual(range(0, 6));
    expect(spec.dayOfMonthStar).toBe(true);
    expect(spec.dayOfWeekStar).toBe(true);
  });

  it('reads plain numbers', () => {
    const spec = parseCron('30 2 15 6 3');
    expect([spec.minutes, spec.hours, spec.daysOfMonth, spec.months, spec.daysOfWeek]).toEqual([
      [30],
      [2],
      [15],
      [6],
      [3],
    ]);
  });

  it('reads ranges, steps over * and over ranges, and lists', () => {
    expect(parseCron('10-14 * * * *').minutes).toEqual([10, 11, 12, 13, 14]);
    expect(parseCron('*/15 * * * *').minutes).toEqual([0, 15, 30, 45]);
    expect(parseCron('0 8-18/4 * * *').hours).toEqual([8, 12, 16]);
    expect(parseCron('0 0 1,15,28 * *').daysOfMonth).toEqual([1, 15, 28]);
    expect(parseCron('0 0 */10 * *').daysOfMonth).toEqual([1, 11, 21, 31]);
  });

  it('merges overlapping list items into one sorted set', () => {
    expect(parseCron('50,0-10/5,5 * * * *').minutes).toEqual([0, 5, 10, 50]);
  });

  it('accepts whitespace of any width between fields and around the expression', () => {
    expect(parseCron('  0\t9   * *  1-5 ').hours).toEqual([9]);
  });

  it('reads month names JAN-DEC in any case, alone and in ranges', () => {
    expect(parseCron('0 0 1 jan,Jul,DEC *').months).toEqual([1, 7, 12]);
    expect(parseCron('0 0 1 MAR-may *').months).toEqual([3, 4, 5]);
  });

  it('reads weekday names SUN-SAT in any case, alone and in ranges', () => {
    expect(parseCron('0 9 * * mon-fri').daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('0 9 * * Sat,SUN').daysOfWeek).toEqual([0, 6]);
  });

  it('treats day-of-week 7 as Sunday, like 0', () => {
    expect(parseCron('0 0 * * 7').daysOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * 5-7').daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 * * 0,7').daysOfWeek).toEqual([0]);
  });

  it('marks a day field restricted only when it does not start with *', () => {
    const both = parseCron('0 0 13 * 5');
    expect([both.dayOfMonthStar, both.dayOfWeekStar]).toEqual([false, false]);
    const stepped = parseCron('0 0 */2 * 1');
    expect([stepped.dayOfMonthStar, stepped.dayOfWeekStar]).toEqual([true, false]);
  });

  it('expands the @hourly, @daily, @weekly, @monthly and @yearly aliases', () => {
    const fields = (e: string) => {
      const s = parseCron(e);
      return [s.minutes, s.hours, s.daysOfMonth.length, s.months.length, s.daysOfWeek];
    };
    expect(fields('@hourly')).toEqual([[0], range(0, 23), 31, 12, range(0, 6)]);
    expect(fields('@daily')).toEqual([[0], [0], 31, 12, range(0, 6)]);
    expect(fields('@midnight')).toEqual(fields('@daily'));
    expect(fields('@weekly')).toEqual([[0], [0], 31, 12, [0]]);
    expect(parseCron('@monthly').daysOfMonth).toEqual([1]);
    expect(parseCron('@YEARLY').months).toEqual([1]);
    expect(parseCron('@annually').daysOfMonth).toEqual([1]);
  });

  it('keeps the expression as written', () => {
    expect(parseCron(' @daily ').source).toBe('@daily');
  });
});

describe('rejecting a cron expression', () => {
  it('names the field, the value and the allowed range when a number is out of range', () => {
    rejects('0 24 * * *', 'cron field "hour": 24 is out of range 0-23');
    rejects('60 * * * *', 'cron field "minute": 60 is out of range 0-59');
    rejects('0 0 0 * *', 'cron field "day-of-month": 0 is out of range 1-31');
    rejects('0 0 32 * *', 'cron field "day-of-month": 32 is out of range 1-31');
    rejects('0 0 1 13 *', 'cron field "month": 13 is out of range 1-12');
    rejects('0 0 * * 8', 'cron field "day-of-week": 8 is out of range 0-7');
    rejects('0 0-24 * * *', 'cron field "hour": 24 is out of range 0-23');
  });

  it('refuses a zero, non-numeric or oversized step', () => {
    rejects('*/0 * * * *', 'cron field "minute": step "0" must be a positive integer');
    rejects('*/x * * * *', 'cron field "minute": step "x" must be a positive integer');
    rejects('*/ * * * *', 'cron field "minute": step "" must be a positive integer');
    rejects('0 */25 * * *', 'cron field "hour": step 25 is larger than the field\'s range 0-23');
    rejects('*/5/2 * * * *', 'cron field "minute": "*/5/2" has more than one "/"');
  });

  it('refuses a step on a single value, whose meaning differs between crons', () => {
    rejects('5/15 * * * *', 'cron field "minute": step "/15" needs a range or "*", got "5/15"');
  });

  it('refuses a reversed range', () => {
    rejects('0 17-9 * * *', 'cron field "hour": range 17-9 is reversed (17 > 9)');
    rejects('0 0 * * FRI-MON', 'cron field "day-of-week": range FRI-MON is reversed (5 > 1)');
  });

  it('refuses any field count other than five', () => {
    const message = 'cron expression must have 5 fields (minute hour day-of-month month day-of-week), got';
    rejects('0 0 * * * *', `${message} 6`);
    rejects('0 0 * *', `${message} 4`);
    rejects('0', `${message} 1`);
  });

  it('refuses an empty expression', () => {
    rejects('', 'cron expression is empty');
    rejects('   ', 'cron expression is empty');
  });

  it('refuses unknown names, and names in fields that have none', () => {
    rejects(
      '0 0 1 FOO *',
      'cron field "month": unknown name "FOO" (expected one of JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC)',
    );
    rejects('0 0 * * MONDAY', 'cron field "day-of-week": unknown name "MONDAY"');
    rejects('0 0 * JAN MON-JAN', 'cron field "day-of-week": unknown name "JAN"');
    rejects('0 noon * * *', 'cron field "hour": names are not allowed here, got "noon"');
  });

  it('refuses Quartz syntax: ?, L, W and #', () => {
    const quartz = 'is Quartz syntax (? L W #), which standard cron does not support';
    rejects('0 0 ? * MON', `cron field "day-of-month": "?" ${quartz}`);
    rejects('0 0 L * *', `cron field "day-of-month": "L" ${quartz}`);
    rejects('0 0 15W * *', `cron field "day-of-month": "15W" ${quartz}`);
    rejects('0 0 * * 5L', `cron field "day-of-week": "5L" ${quartz}`);
    rejects('0 0 * * MON#2', `cron field "day-of-week": "MON#2" ${quartz}`);
  });

  it('refuses malformed items', () => {
    rejects('1,,2 * * * *', 'cron field "minute": empty list item');
    rejects('1-2-3 * * * *', 'cron field "minute": "1-2-3" is not a valid range');
    rejects('-5 * * * *', 'cron field "minute": "" is not a number');
    rejects('1.5 * * * *', 'cron field "minute": "1.5" is not a number');
  });

  it('refuses unsupported aliases', () => {
    rejects('@reboot', 'cron alias "@reboot" is not supported');
  });
});
