import { Binary, Decimal128, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { canonicalKey, cloneDeep, compareValues } from '../../../local/mongo/storage/values.js';

describe('canonicalKey', () => {
  it('gives numerically equal numbers of any width the same key', () => {
    const k = canonicalKey(5);
    expect(canonicalKey(5.0)).toBe(k);
    expect(canonicalKey(new Int32(5))).toBe(k);
    expect(canonicalKey(Long.fromNumber(5))).toBe(k);
    expect(canonicalKey(Decimal128.fromString('5.00'))).toBe(k);
    expect(canonicalKey(5.5)).not.toBe(k);
    expect(canonicalKey('5')).not.toBe(k);
  });

  it('gives equal ObjectIds the same key however they were built, and different ones different keys', () => {
    const hex = '65f0a1b2c3d4e5f60718293a';
    const a = new ObjectId(hex);
    const b = new ObjectId(Buffer.from(hex, 'hex'));
    expect(canonicalKey(a)).toBe(canonicalKey(b));
    expect(canonicalKey(a)).not.toBe(canonicalKey(new ObjectId('65f0a1b2c3d4e5f60718293b')));
    expect(canonicalKey(new ObjectId('000000000000000000000000'))).not.toBe(canonicalKey(null));
  });

  it('keeps field order significant in embedded documents, as mongod equality does', () => {
    expect(canonicalKey({ a: 1, b: 2 })).toBe(canonicalKey({ a: 1.0, b: Long.fromNumber(2) }));
    expect(canonicalKey({ a: 1, b: 2 })).not.toBe(canonicalKey({ b: 2, a: 1 }));
  });

  it('never confuses composite values that merely print alike', () => {
    const values = [
      ['a', 'b'],
      ['a,b'],
      'a","b',
      { a: 'b' },
      { 'a"': 'b' },
      [null],
      [],
      null,
      '',
      new Binary(Buffer.from('ab')),
      new Timestamp({ t: 1, i: 2 }),
      new MinKey(),
      new MaxKey(),
      true,
      'true',
      new Date(0),
      0,
    ];
    expect(new Set(values.map(canonicalKey)).size).toBe(values.length);
  });
});

describe('compareValues', () => {
  it('orders values of different types by mongod’s type order', () => {
    const ordered = [
      new MinKey(),
      null,
      -1,
      Long.fromNumber(2),
      'a',
      { a: 1 },
      [1],
      new Binary(Buffer.from('x')),
      new ObjectId('000000000000000000000001'),
      false,
      new Date(0),
      new Timestamp({ t: 1, i: 1 }),
      /x/,
      new MaxKey(),
    ];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareValues)).toEqual(ordered);
  });

  it('orders ObjectIds by their bytes', () => {
    const a = new ObjectId('00000000000000000000ffff');
    const b = new ObjectId('000000000000000000010000');
    const c = new ObjectId('ff0000000000000000000000');
    expect([c, b, a].sort(compareValues)).toEqual([a, b, c]);
    expect(compareValues(a, new ObjectId(a.toHexString()))).toBe(0);
  });
});

describe('cloneDeep', () => {
  it('copies containers and dates but keeps BSON values', () => {
    const oid = new ObjectId();
    const src = { a: [{ b: new Date(1) }], oid };
    const copy = cloneDeep(src);
    expect(copy).toEqual(src);
    expect(copy.a).not.toBe(src.a);
    expect(copy.a[0]!.b).not.toBe(src.a[0]!.b);
    expect(copy.oid).toBe(oid);
  });
});

describe('64-bit integers', () => {
  it('compares and keys Longs beyond 2^53 exactly', () => {
    const a = Long.fromString('9007199254740993');
    const b = Long.fromString('9007199254740994');
    expect(compareValues(a, b)).toBe(-1);
    expect(compareValues(b, a)).toBe(1);
    expect(compareValues(a, 9007199254740992)).toBe(1);
    expect(compareValues(b, 9007199254740994)).toBe(0);
    expect(canonicalKey(a)).not.toBe(canonicalKey(b));
    expect(canonicalKey(b)).toBe(canonicalKey(9007199254740994));
    expect(canonicalKey(9007199254740993n)).toBe(canonicalKey(a));
  });
});
