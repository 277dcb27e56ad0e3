/**
 * Standard 5-field cron expressions (minute hour day-of-month month day-of-week), parsed into the sets of
 * values each field allows. Only the portable Vixie syntax is accepted: Quartz extensions (`?`, `L`, `W`, `#`,
 * a seconds field) would silently mean something else to a reader used to crontab, so they are refused.
 */
import { UnprocessableError } from '../core/errors.js';

export interface CronSpec {
  /** The expression as given (aliases are kept as written). */
  readonly source: string;
  /** Each list is sorted ascending and free of duplicates. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** 0-6, Sunday = 0 (7 is folded into 0). */
  readonly daysOfWeek: readonly number[];
  /**
   * Whether the day fields were written starting with `*`. Vixie cron decides the day rule on this, not on
   * the resulting set: when both are restricted a day matches if EITHER matches, otherwise both must.
   */
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;
}

interface FieldDef {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The value `names[0]` stands for. */
  readonly namesFrom?: number;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldDef[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  // 7 is accepted as Sunday because many crontabs write it that way; it is folded into 0 afterwards.
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];

const ALIASES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function fail(field: FieldDef, problem: string): never {
  throw new UnprocessableError(`cron field "${field.name}": ${problem}`);
}

function parseValue(field: FieldDef, text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < field.min || n > field.max) fail(field, `${n} is out of range ${field.min}-${field.max}`);
    return n;
  }
  if (/^[a-z]+$/i.test(text)) {
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) {
      if (!field.names) fail(field, `names are not allowed here, got "${text}"`);
      fail(field, `unknown name "${text}" (expected one of ${field.names.join(' ')})`);
    }
    return index + (field.namesFrom ?? 0);
  }
  fail(field, `"${text}" is not a number${field.names ? ' or name' : ''}`);
}

function parseStep(field: FieldDef, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) === 0) {
    fail(field, `step "${text}" must be a positive integer`);
  }
  const step = Number(text);
  if (step > field.max - field.min + 1) {
    fail(field, `step ${step} is larger than the field's range ${field.min}-${field.max}`);
  }
  return step;
}

function parseItem(field: FieldDef, item: string, into: Set<number>): void {
  if (item === '') fail(field, 'empty list item');
  if (/[?#]/.test(item) || /\d[LW]$/i.test(item) || (field.name === 'day-of-month' && /^L?W?$/i.test(item))) {
    fail(field, `"${item}" is Quartz syntax (? L W #), which standard cron does not support`);
  }
  const slash = item.split('/');
  if (slash.length > 2) fail(field, `"${item}" has more than one "/"`);
  const [rangeText = '', stepText] = slash;
  const step = stepText === undefined ? 1 : parseStep(field, stepText);

  let from: number;
  let to: number;
  if (rangeText === '*') {
    from = field.min;
    // `*` on day-of-week means 0-6: letting it reach 7 would only repeat Sunday.
    to = field.name === 'day-of-week' ? 6 : field.max;
  } else {
    const dash = rangeText.split('-');
    if (dash.length > 2) fail(field, `"${rangeText}" is not a valid range`);
    const [a = '', b] = dash;
    from = parseValue(field, a);
    if (b === undefined) {
      // `5/15` means "from 5 to the end" in some crons and is an error in others; refuse the ambiguity.
      if (stepText !== undefined) fail(field, `step "/${stepText}" needs a range or "*", got "${item}"`);
      to = from;
    } else {
      to = parseValue(field, b);
      if (to < from) fail(field, `range ${a}-${b} is reversed (${from} > ${to})`);
    }
  }
  for (let v = from; v <= to; v += step) into.add(v);
}

function parseField(field: FieldDef, text: string): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) parseItem(field, item, values);
  if (field.name === 'day-of-week' && values.delete(7)) values.add(0);
  return [...values].sort((x, y) => x - y);
}

/** Parses a 5-field cron expression or one of the `@hourly`…`@yearly` aliases; throws UnprocessableError. */
export function parseCron(expression: string): CronSpec {
  if (typeof expression !== 'string') throw new UnprocessableError('cron expression must be a string');
  const source = expression.trim();
  if (source === '') throw new UnprocessableError('cron expression is empty');

  let body = source;
  if (source.startsWith('@')) {
    const alias = ALIASES[source.toLowerCase()];
    if (alias === undefined) {
      throw new UnprocessableError(
        `cron alias "${source}" is not supported (expected one of ${Object.keys(ALIASES).join(' ')})`,
      );
    }
    body = alias;
  }

  const parts = body.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    throw new UnprocessableError(
      `cron expression must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const [minute, hour, dom, month, dow] = FIELDS.map((field, i) => parseField(field, parts[i] ?? '')) as [
    number[],
    number[],
    number[],
    number[],
    number[],
  ];
  return {
    source,
    minutes: minute,
    hours: hour,
    daysOfMonth: dom,
    months: month,
    daysOfWeek: dow,
    dayOfMonthStar: parts[2]!.startsWith('*'),
    dayOfWeekStar: parts[4]!.startsWith('*'),
  };
}
