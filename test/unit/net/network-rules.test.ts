import { describe, expect, it } from 'vitest';
import {
  AWS_NETWORK_LIMITS,
  AZURE_NETWORK_LIMITS,
  checkNetworkRequest,
  checkSubnetRequest,
  GCP_NETWORK_LIMITS,
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

describe('networks without a range of their own (GCP VPC networks)', () => {
  it('accepts a network by its name alone', () => {
    expect(checkNetworkRequest({ name: 'main' }, GCP_NETWORK_LIMITS)).toEqual({ ok: true, cidr: null });
  });

  it('refuses a range for it, naming the field', () => {
    const r = checkNetworkRequest({ name: 'main', cidr: '10.0.0.0/16' }, GCP_NETWORK_LIMITS);
    expect(r).toEqual({
      ok: false,
      problems: [{ path: 'cidr', message: expect.stringMatching(/no address range/) }],
    });
  });

  it('checks its subnets against their siblings only, at /8 to /29', () => {
    const siblings = [{ name: 'a', cidr: '10.0.0.0/24' }];
    const net = { cidr: '' };
    expect(
      checkSubnetRequest({ name: 'b', cidr: '172.16.0.0/12' }, net, siblings, GCP_NETWORK_LIMITS).ok,
    ).toBe(true);
    const overlap = checkSubnetRequest({ name: 'b', cidr: '10.0.0.0/16' }, net, siblings, GCP_NETWORK_LIMITS);
    expect(overlap.ok ? [] : overlap.problems.map((p) => p.message)).toEqual([
      '10.0.0.0/16 overlaps subnet "a" (10.0.0.0/24)',
    ]);
    expect(checkSubnetRequest({ name: 'b', cidr: '10.1.0.0/30' }, net, [], GCP_NETWORK_LIMITS).ok).toBe(
      false,
    );
  });
});

describe('a network that needs its range (AWS, Azure)', () => {
  it.each([
    ['aws', AWS_NETWORK_LIMITS],
    ['azure', AZURE_NETWORK_LIMITS],
  ] as const)('%s: refuses a network without a range, naming the field', (_name, l) => {
    const r = checkNetworkRequest({ name: 'main' }, l);
    expect(r).toEqual({
      ok: false,
      problems: [{ path: 'cidr', message: expect.stringMatching(/needs its address range/) }],
    });
  });

  it('azure takes a /8 network that aws refuses', () => {
    expect(checkNetworkRequest({ name: 'big', cidr: '10.0.0.0/8' }, AZURE_NETWORK_LIMITS).ok).toBe(true);
    expect(checkNetworkRequest({ name: 'big', cidr: '10.0.0.0/8' }, AWS_NETWORK_LIMITS).ok).toBe(false);
  });
});

describe("the provider's own name rules", () => {
  it.each(['Prod', 'my net', 'web_tier', '1st', 'ends-'])(
    'gcp refuses the name %j, naming its rule',
    (name) => {
      const r = checkNetworkRequest({ name }, GCP_NETWORK_LIMITS);
      expect(r).toEqual({
        ok: false,
        problems: [{ path: 'name', message: expect.stringMatching(/^gcp names/) }],
      });
    },
  );

  it('gcp takes a lowercase RFC 1035 name, for networks and subnets', () => {
    expect(checkNetworkRequest({ name: 'prod-eu1' }, GCP_NETWORK_LIMITS).ok).toBe(true);
    expect(
      checkSubnetRequest({ name: 'web-1', cidr: '10.0.0.0/24' }, { cidr: '' }, [], GCP_NETWORK_LIMITS).ok,
    ).toBe(true);
    expect(
      checkSubnetRequest({ name: 'Web 1', cidr: '10.0.0.0/24' }, { cidr: '' }, [], GCP_NETWORK_LIMITS).ok,
    ).toBe(false);
  });

  it('azure refuses spaces and a trailing dot that Nimbo itself allows', () => {
    expect(checkNetworkRequest({ name: 'my net', cidr: '10.0.0.0/16' }, AWS_NETWORK_LIMITS).ok).toBe(true);
    for (const name of ['my net', 'main.']) {
      const r = checkNetworkRequest({ name, cidr: '10.0.0.0/16' }, AZURE_NETWORK_LIMITS);
      expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['name']);
    }
    expect(checkNetworkRequest({ name: 'Main_VNet-1', cidr: '10.0.0.0/16' }, AZURE_NETWORK_LIMITS).ok).toBe(
      true,
    );
  });
});
