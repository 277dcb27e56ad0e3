import { Decimal128, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { arithmetic, compareBson } from '../../../local/mongo/numbers.js';

describe('exact numeric helpers', () => {
  it('compares int64 beyond 2^53 exactly, and across number types by value', () => {
    expect(compareBson(Long.fromString('9007199254740993'), Long.fromString('9007199254740992'))).toBe(1);
    expect(compareBson(Long.fromString('9007199254740993'), 9007199254740992)).toBe(1);
    expect(compareBson(Decimal128.fromString('9.99'), 9.995)).toBe(-1);
    expect(compareBson(Decimal128.fromString('2'), 2)).toBe(0);
    expect(compareBson(Decimal128.fromString('NaN'), -Infinity)).toBe(-1);
    expect(compareBson('a', 1)).toBe(1); // strings sort after numbers
  });

  it('adds and multiplies with mongod result types', () => {
    expect(String(arithmetic('$inc', Decimal128.fromString('0.1'), Decimal128.fromString('0.2')))).toBe(
      '0.3',
    );
    expect(arithmetic('$inc', Decimal128.fromString('0.1'), 1)).toBeInstanceOf(Decimal128);
    expect(String(arithmetic('$mul', Decimal128.fromString('1.5'), 2))).toBe('3.0');
    expect(String(arithmetic('$inc', Long.fromString('9007199254740993'), 1))).toBe('9007199254740994');
    const overflow = arithmetic('$inc', 2147483647, 1);
    expect(Long.isLong(overflow) && overflow.toNumber()).toBe(2147483648);
    expect(arithmetic('$inc', 1.5, 1)).toBe(2.5);
    expect(arithmetic('$mul', 3, 4)).toBe(12);
    expect(() => arithmetic('$inc', Long.MAX_VALUE, 1)).toThrow(/overflow/);
  });
});
