import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrRange,
  cidrsOverlap,
  formatIPv4,
  parseCidr4,
  parseIPv4,
} from '../../../lib/net/ipv4.js';
import { normalizeIPv6 } from '../../../lib/net/ipv6.js';

const cidr = (text: string) => {
  const r = parseCidr4(text);
  if (!r.ok) throw new Error(r.reason);
  return r.cidr;
};

describe('IPv4 addresses', () => {
  it.each(['192.0.2.1', '0.0.0.0', '255.255.255.255', '203.0.113.254', '10.0.0.1'])('accepts %s', (a) => {
    expect(formatIPv4(parseIPv4(a)!)).toBe(a);
  });
  it.each([
    '256.0.0.1',
    '192.0.2',
    '192.0.2.1.5',
    '192.0.2.01',
    '0x1.0.0.1',
    ' 192.0.2.1',
    '192.0.2.-1',
    '',
    '2001:db8::1',
  ])('refuses %j', (a) => {
    expect(parseIPv4(a)).toBeUndefined();
  });
});

describe('CIDR blocks', () => {
  it.each([
    ['10.0.0.0/16', { first: '10.0.0.0', last: '10.0.255.255', size: 65536 }],
    ['192.0.2.0/24', { first: '192.0.2.0', last: '192.0.2.255', size: 256 }],
    ['198.51.100.16/28', { first: '198.51.100.16', last: '198.51.100.31', size: 16 }],
    ['203.0.113.7/32', { first: '203.0.113.7', last: '203.0.113.7', size: 1 }],
    ['0.0.0.0/0', { first: '0.0.0.0', last: '255.255.255.255', size: 2 ** 32 }],
  ])('%s covers %j', (text, range) => {
    expect(cidrRange(cidr(text))).toEqual(range);
  });

  it.each([
    ['10.0.0.1/16', /host bits are set: the block is 10\.0\.0\.0\/16/],
    ['10.0.0.0/33', /not a prefix length/],
    ['10.0.0.0/08', /not a prefix length/],
    ['10.0.0.0', /must be an IPv4 CIDR block/],
    ['10.0.0.0/', /must be an IPv4 CIDR block/],
    ['300.0.0.0/8', /is not an IPv4 address/],
    ['2001:db8::/32', /must be an IPv4 CIDR block|not an IPv4 address/],
    ['10.0.0.0/16/2', /not an IPv4 address|must be an IPv4 CIDR block/],
  ])('refuses %s, saying why', (text, reason) => {
    const r = parseCidr4(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('knows containment and overlap', () => {
    const vpc = cidr('10.0.0.0/16');
    expect(cidrContains(vpc, cidr('10.0.1.0/24'))).toBe(true);
    expect(cidrContains(vpc, cidr('10.1.0.0/24'))).toBe(false);
    expect(cidrContains(cidr('10.0.1.0/24'), vpc)).toBe(false);
    expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.0.128/25'))).toBe(true);
    expect(cidrsOverlap(cidr('10.0.0.0/25'), cidr('10.0.0.128/25'))).toBe(false);
    expect(cidrsOverlap(cidr('10.0.0.0/16'), cidr('10.0.255.240/28'))).toBe(true);
  });
});

describe('IPv6 addresses (AAAA values)', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:1'],
    ['::1', '::1'],
    ['2001:db8::192.0.2.1', '2001:db8::192.0.2.1'],
  ])('accepts %s', (a, normalized) => {
    expect(normalizeIPv6(a)).toBe(normalized);
  });
  it.each([
    '2001:db8:::1',
    '2001:db8::1::2',
    'fe80::1%eth0',
    '2001:db8::g',
    '192.0.2.1',
    '1:2:3:4:5:6:7:8:9',
  ])('refuses %s', (a) => {
    expect(normalizeIPv6(a)).toBeUndefined();
  });
});
