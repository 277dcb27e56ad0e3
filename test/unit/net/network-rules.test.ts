import { describe, expect, it } from 'vitest';
import {
  AWS_NETWORK_LIMITS,
  checkNetworkRequest,
  checkSubnetRequest,
} from '../../../lib/net/network-rules.js';

const limits = AWS_NETWORK_LIMITS;

describe('network (VPC) requests', () => {
  it.each(['10.0.0.0/16', '172.16.0.0/20', '192.0.2.0/24', '198.51.100.0/28'])('accepts %s', (cidr) => {
    expect(checkNetworkRequest({ name: 'main', cidr }, limits).ok).toBe(true);
  });

  it.each([
    ['10.0.0.0/8', /between \/16 and \/28 \(got \/8\)/],
    ['10.0.0.0/15', /between \/16 and \/28/],
    ['10.0.0.0/29', /between \/16 and \/28 \(got \/29\)/],
    ['10.0.0.5/16', /host bits are set/],
    ['10.0.0.0', /IPv4 CIDR block/],
    ['banana', /IPv4 CIDR block/],
  ])('refuses %s', (cidr, reason) => {
    const r = checkNetworkRequest({ name: 'main', cidr }, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([{ path: 'cidr', message: expect.stringMatching(reason) }]);
  });

  it.each(['', ' lead', 'trail ', 'semi;colon', 'x'.repeat(129), '-dash'])('refuses the name %j', (name) => {
    const r = checkNetworkRequest({ name, cidr: '10.0.0.0/16' }, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]?.path).toBe('name');
  });

  it.each(['a', 'prod vpc', 'prod-vpc_2.eu'])('accepts the name %j', (name) => {
    expect(checkNetworkRequest({ name, cidr: '10.0.0.0/16' }, limits).ok).toBe(true);
  });
});

describe('subnet requests', () => {
  const vpc = { cidr: '10.0.0.0/16' };
  const siblings = [
    { name: 'a', cidr: '10.0.0.0/24' },
    { name: 'b', cidr: '10.0.1.0/24' },
  ];

  it.each(['10.0.2.0/24', '10.0.255.240/28', '10.0.128.0/17'])('accepts %s', (cidr) => {
    expect(checkSubnetRequest({ name: 'c', cidr }, vpc, siblings, limits).ok).toBe(true);
  });

  it.each([
    ['10.1.0.0/24', /not inside the network's 10\.0\.0\.0\/16/],
    ['10.0.0.128/25', /overlaps subnet "a" \(10\.0\.0\.0\/24\)/],
    ['10.0.0.0/23', /overlaps subnet "a".*|overlaps subnet "b"/],
    ['10.0.0.0/16', /overlaps subnet "a"/],
    ['10.0.3.0/29', /between \/16 and \/28/],
    ['10.0.3.1/24', /host bits are set/],
  ])('refuses %s', (cidr, reason) => {
    const r = checkSubnetRequest({ name: 'c', cidr }, vpc, siblings, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.message).join(' | ')).toMatch(reason);
  });

  it('lists every overlap', () => {
    const r = checkSubnetRequest({ name: 'c', cidr: '10.0.0.0/23' }, vpc, siblings, limits);
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual([
      '10.0.0.0/23 overlaps subnet "a" (10.0.0.0/24)',
      '10.0.0.0/23 overlaps subnet "b" (10.0.1.0/24)',
    ]);
  });
});
