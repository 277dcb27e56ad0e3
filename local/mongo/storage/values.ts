/**
 * BSON value helpers shared by the storage engine (index keys) and the command layer (sort, distinct, group).
 * Values are what `bson.deserialize` gives with its defaults: JS numbers for int32/double/safe int64,
 * Long for unsafe int64, Date, RegExp, ObjectId, Binary, Decimal128, Timestamp, MinKey, MaxKey, null.
 */
import type { Document } from 'bson';

type BsonTagged = { _bsontype?: string };

function bsonType(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as BsonTagged)._bsontype : undefined;
}

/** mongod's canonical type order, used when comparing values of different types. */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 8;
  }
  if (Array.isArray(v)) return 5;
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  switch (bsonType(v)) {
    case 'MinKey':
      return 0;
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 2;
    case 'BSONSymbol':
      return 3;
    case 'Binary':
      return 6;
    case 'ObjectId':
      return 7;
    case 'Timestamp':
      return 10;
    case 'BSONRegExp':
      return 11;
    case 'Code':
      return 12;
    case 'MaxKey':
      return 127;
  }
  return 4; // embedded document
}

/** A Long equals a double exactly when the double represents the same integer (mongod compares by value). */
function longKey(big: bigint): string {
  const n = Number(big);
  return BigInt(n) === big ? 'd' + n : 'L' + big;
}

function isWideInt(v: unknown): boolean {
  return typeof v === 'bigint' || bsonType(v) === 'Long';
}

/** Exact comparison of two numbers whose double approximations are equal (so both are integral). */
function compareExact(a: unknown, b: unknown): number {
  const big = (v: unknown): bigint | null => {
    if (typeof v === 'bigint') return v;
    if (bsonType(v) === 'Long') return BigInt(String(v));
    const n = toNumber(v);
    return Number.isInteger(n) ? BigInt(n) : null;
  };
  const x = big(a);
  const y = big(b);
  if (x === null || y === null) return 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

type OidInternals = { i0?: unknown; i1: number; i2: number; i3: number };

/**
 * bson 7 keeps an ObjectId as four 24-bit ints (i0..i3, big-endian byte order). Reading them directly is
 * several times faster than toHexString(), which dominated insert and _id lookups in profiles.
 * Falls back to the hex string if a bson version stores them differently.
 */
function oidWords(v: unknown): [number, number, number, number] | null {
  const o = v as OidInternals;
  return typeof o.i0 === 'number' ? [o.i0, o.i1, o.i2, o.i3] : null;
}

function oidKey(v: unknown): string {
  const o = v as OidInternals;
  if (typeof o.i0 !== 'number') return 'o' + (v as { toHexString(): string }).toHexString();
  const { i0, i1, i2, i3 } = o as { i0: number; i1: number; i2: number; i3: number };
  // Eight 12-bit code units: fixed length (so the key stays self-delimiting) and never a surrogate.
  return (
    'o' +
    String.fromCharCode(
      i0 >>> 12,
      i0 & 0xfff,
      i1 >>> 12,
      i1 & 0xfff,
      i2 >>> 12,
      i2 & 0xfff,
      i3 >>> 12,
      i3 & 0xfff,
    )
  );
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const t = bsonType(v);
  if (t === 'Long' || t === 'Int32' || t === 'Double' || t === 'Decimal128') return Number(String(v));
  return Number.NaN;
}

/** Total order over BSON values, as mongod compares them (numbers of any width compare by value). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
    case 1:
    case 127:
      return 0;
    case 2: {
      const x = toNumber(a);
      const y = toNumber(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
      if (x !== y || !(isWideInt(a) || isWideInt(b))) return x < y ? -1 : x > y ? 1 : 0;
      // Equal as doubles but one side is a 64-bit integer: compare exactly (2^53+1 vs 2^53+2).
      return compareExact(a, b);
    }
    case 3: {
      const x = String(a);
      const y = String(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 4:
      return compareDocuments(a as Document, b as Document);
    case 5: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
    }
    case 6: {
      const x = a as { buffer: Uint8Array; sub_type: number };
      const y = b as { buffer: Uint8Array; sub_type: number };
      if (x.buffer.length !== y.buffer.length) return x.buffer.length < y.buffer.length ? -1 : 1;
      if (x.sub_type !== y.sub_type) return x.sub_type < y.sub_type ? -1 : 1;
      return Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer));
    }
    case 7: {
      const x = oidWords(a);
      const y = oidWords(b);
      if (x && y) {
        for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
        return 0;
      }
      const hx = (a as { toHexString(): string }).toHexString();
      const hy = (b as { toHexString(): string }).toHexString();
      return hx < hy ? -1 : hx > hy ? 1 : 0;
    }
    case 8:
      return a === b ? 0 : a ? 1 : -1;
    case 9: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 10:
      return (a as { compare(o: unknown): number }).compare(b);
    default: {
      const x = String(a);
      const y = String(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

function compareDocuments(a: Document, b: Document): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const c = compareValues(a[ka[i]!], b[kb[i]!]);
    if (c !== 0) return c;
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

/**
 * A string that is equal for two values exactly when mongod's equality says they are equal
 * (1, 1.0 and Long(1) share a key; field order of embedded documents matters, as in mongod).
 * Used as the hash key of indexes, and by distinct/$group.
 */
export function canonicalKey(v: unknown): string {
  if (v === undefined || v === null) return 'n';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? 'd0' : 'd' + v;
    case 'bigint':
      return longKey(v);
    case 'string':
      return 's' + JSON.stringify(v);
    case 'boolean':
      return v ? 'bT' : 'bF';
  }
  if (Array.isArray(v)) return 'a[' + v.map(canonicalKey).join(',') + ']';
  if (v instanceof Date) return 't' + v.getTime();
  if (v instanceof RegExp) return 'r' + JSON.stringify(v.source) + v.flags;
  switch (bsonType(v)) {
    case 'Int32':
    case 'Double':
      return 'd' + toNumber(v);
    case 'Long':
      return longKey(BigInt(String(v)));
    case 'Decimal128':
      return decimalKey(String(v));
    case 'ObjectId':
      return oidKey(v);
    case 'Binary': {
      const x = v as { buffer: Uint8Array; sub_type: number };
      return 'x' + x.sub_type + ':' + Buffer.from(x.buffer).toString('base64');
    }
    case 'Timestamp':
      return 'T' + String(v);
    case 'MinKey':
      return 'min';
    case 'MaxKey':
      return 'max';
    case 'BSONRegExp': {
      const x = v as { pattern: string; options: string };
      return 'r' + JSON.stringify(x.pattern) + x.options;
    }
  }
  const d = v as Document;
  return (
    'O{' +
    Object.keys(d)
      .map((k) => JSON.stringify(k) + ':' + canonicalKey(d[k]))
      .join(',') +
    '}'
  );
}

/**
 * Decimal128 keys: integral values in the safe range share the double's key (Decimal128('5.0') == 5 in
 * mongod); other values are normalized so that '1.50' and '1.5' share a key. Non-integral decimals keep
 * their own key space: mongod does not treat Decimal128('0.1') and the double 0.1 as equal.
 */
function decimalKey(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?(?:E([+-]?\d+))?$/i.exec(s);
  if (!m) return 'm' + s; // NaN, Infinity
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = (int! + frac).replace(/^0+(?=\d)/, '');
  let e = Number(exp) - frac.length;
  while (digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    e++;
  }
  if (digits === '0') return 'd0';
  if (e >= 0 && e < 16) {
    const n = Number(sign + digits + '0'.repeat(e));
    if (Number.isSafeInteger(n)) return 'd' + n;
  }
  return 'm' + sign + digits + 'E' + e;
}

/**
 * Deep copy of a document: plain objects, arrays and Dates are copied; BSON class instances (ObjectId,
 * Binary, Long, ...) are immutable in practice and kept by reference, keeping their prototypes.
 */
export function cloneDeep<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneDeep) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (v instanceof RegExp || bsonType(v) !== undefined) return v;
  const out: Document = {};
  for (const k of Object.keys(v as Document)) out[k] = cloneDeep((v as Document)[k]);
  return out as T;
}

/** A BSON value that is not a document: Date, RegExp, Buffer or a bson class instance (ObjectId, Long, ...). */
export function isBsonValue(v: unknown): boolean {
  return (
    v instanceof Date ||
    v instanceof RegExp ||
    v instanceof Uint8Array ||
    (v !== null && typeof v === 'object' && (v as { _bsontype?: string })._bsontype !== undefined)
  );
}

/** An embedded document (not an array, not a BSON value). */
export function isPlainDocument(v: unknown): v is Document {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isBsonValue(v);
}

/** mongod's name for the BSON type of a value ($type, error messages); a missing value is 'missing'. */
export function bsonTypeName(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? 'int' : 'double';
    case 'bigint':
      return 'long';
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  const t = (v as { _bsontype?: string })._bsontype;
  switch (t) {
    case undefined:
      return 'object';
    case 'ObjectId':
      return 'objectId';
    case 'Decimal128':
      return 'decimal';
    case 'Int32':
      return 'int';
    case 'BSONRegExp':
      return 'regex';
    case 'Code':
      return 'javascript';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'Binary':
      return 'binData';
    default:
      return t.charAt(0).toLowerCase() + t.slice(1); // Long -> long, Double -> double, Timestamp -> timestamp
  }
}
