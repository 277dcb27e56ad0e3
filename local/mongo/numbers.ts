/**
 * Exact numeric comparison and arithmetic across BSON number types. JS numbers lose precision beyond 2^53
 * and cannot represent decimals exactly, so int64 (Long) and Decimal128 values go through a decimal
 * form: coefficient (BigInt) x 10^exponent.
 */
import { Decimal128, Long } from 'bson';
import { ErrorCode, MongoCommandError } from './errors.js';
import { compareValues, typeRank } from './storage/values.js';

type Exact = { coef: bigint; exp: number } | 'nan' | 'inf' | '-inf';

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function bsonTypeOf(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as { _bsontype?: string })._bsontype : undefined;
}

export function isWideNumber(v: unknown): boolean {
  const t = bsonTypeOf(v);
  return t === 'Long' || t === 'Decimal128';
}

function parseDecimal(text: string): Exact {
  if (text === 'NaN' || text === '-NaN') return 'nan';
  if (text === 'Infinity' || text === '+Infinity') return 'inf';
  if (text === '-Infinity') return '-inf';
  const m = DECIMAL.exec(text);
  if (!m) return 'nan';
  const [, sign, int = '', frac = '', exp = '0'] = m;
  return { coef: BigInt(`${sign}${int}${frac}` || '0'), exp: Number(exp) - frac.length };
}

function toExact(v: unknown): Exact {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (Number.isSafeInteger(v)) return { coef: BigInt(v), exp: 0 };
    return parseDecimal(String(v));
  }
  if (typeof v === 'bigint') return { coef: v, exp: 0 };
  const t = bsonTypeOf(v);
  if (t === 'Long') return { coef: BigInt((v as Long).toString()), exp: 0 };
  if (t === 'Int32' || t === 'Double') return toExact((v as { valueOf(): number }).valueOf());
  return parseDecimal(String(v));
}

function align(a: { coef: bigint; exp: number }, b: { coef: bigint; exp: number }): [bigint, bigint, number] {
  if (a.exp === b.exp) return [a.coef, b.coef, a.exp];
  if (a.exp > b.exp) return [a.coef * 10n ** BigInt(a.exp - b.exp), b.coef, b.exp];
  return [a.coef, b.coef * 10n ** BigInt(b.exp - a.exp), a.exp];
}

const RANK: Record<string, number> = { nan: -2, '-inf': -1, inf: 1 };

function compareExact(x: Exact, y: Exact): number {
  if (typeof x === 'string' || typeof y === 'string') {
    const rx = typeof x === 'string' ? RANK[x]! : 0;
    const ry = typeof y === 'string' ? RANK[y]! : 0;
    if (rx !== ry) return rx < ry ? -1 : 1;
    if (rx !== 0) return 0;
  }
  const [a, b] = align(x as { coef: bigint; exp: number }, y as { coef: bigint; exp: number });
  return a < b ? -1 : a > b ? 1 : 0;
}

/** compareValues, but exact when an int64 or a Decimal128 is involved. */
export function compareBson(a: unknown, b: unknown): number {
  if ((isWideNumber(a) || isWideNumber(b)) && typeRank(a) === 2 && typeRank(b) === 2) {
    return compareExact(toExact(a), toExact(b));
  }
  return compareValues(a, b);
}

function formatDecimal(x: Exact): Decimal128 {
  if (x === 'nan') return Decimal128.fromString('NaN');
  if (x === 'inf') return Decimal128.fromString('Infinity');
  if (x === '-inf') return Decimal128.fromString('-Infinity');
  return Decimal128.fromStringWithRounding(`${x.coef}E${x.exp}`);
}

/**
 * $inc / $mul with mongod's result types: any Decimal128 -> decimal; otherwise any double -> double;
 * otherwise int64 when either side is a Long or two int32 values overflow.
 */
export function arithmetic(op: '$inc' | '$mul', current: unknown, operand: unknown): unknown {
  const decimal = bsonTypeOf(current) === 'Decimal128' || bsonTypeOf(operand) === 'Decimal128';
  if (decimal) {
    const a = toExact(current);
    const b = toExact(operand);
    if (typeof a === 'string' || typeof b === 'string') {
      const n =
        op === '$inc'
          ? Number(String(current)) + Number(String(operand))
          : Number(String(current)) * Number(String(operand));
      return Decimal128.fromString(String(n));
    }
    if (op === '$mul') return formatDecimal({ coef: a.coef * b.coef, exp: a.exp + b.exp });
    const [x, y, exp] = align(a, b);
    return formatDecimal({ coef: x + y, exp });
  }
  if (typeof current === 'number' && typeof operand === 'number') {
    const result = op === '$inc' ? current + operand : current * operand;
    // Two int32 values overflow into an int64 in mongod; JS numbers cannot say int32, so use the range.
    const int32 = (v: number) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
    if (int32(current) && int32(operand) && !int32(result) && Number.isSafeInteger(result))
      return Long.fromNumber(result);
    return result;
  }
  if (typeof current === 'number' && !Number.isInteger(current))
    return op === '$inc' ? current + Number(String(operand)) : current * Number(String(operand));
  if (typeof operand === 'number' && !Number.isInteger(operand))
    return op === '$inc' ? Number(String(current)) + operand : Number(String(current)) * operand;
  const x = BigInt(String(current));
  const y = BigInt(String(operand));
  const result = op === '$inc' ? x + y : x * y;
  if (result > 9223372036854775807n || result < -9223372036854775808n) {
    throw new MongoCommandError(ErrorCode.Overflow, `Failed to apply ${op}: integer overflow`);
  }
  return Long.fromBigInt(result);
}
