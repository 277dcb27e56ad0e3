import { describe, expect, it } from 'vitest';
import { domainNameProblem, isInZone, recordFqdn } from '../../../lib/net/dns-name.js';
import { conflictsAtName, normalizeRecordValues, type RecordType } from '../../../lib/net/record-values.js';

const ok = (type: RecordType, values: string[]) => {
  const r = normalizeRecordValues(type, values);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.values;
};
const problems = (type: RecordType, values: string[]) => {
  const r = normalizeRecordValues(type, values);
  return r.ok ? [] : r.problems.map((p) => p.message).join(' | ');
};

describe('record values per type', () => {
  it.each<[RecordType, string[], string[]]>([
    ['A', ['192.0.2.10', '198.51.100.7'], ['192.0.2.10', '198.51.100.7']],
    ['AAAA', ['2001:DB8::10'], ['2001:db8::10']],
    ['CNAME', ['Target.Example.COM'], ['target.example.com.']],
    ['CNAME', ['_x1.acm-validations.aws.'], ['_x1.acm-validations.aws.']],
    [
      'MX',
      ['10 mail.example.com', ' 20   backup.example.com. '],
      ['10 mail.example.com.', '20 backup.example.com.'],
    ],
    ['NS', ['ns-1.example.net'], ['ns-1.example.net.']],
    ['SRV', ['10 5 5060 sip.example.com'], ['10 5 5060 sip.example.com.']],
    ['SRV', ['0 0 0 .'], ['0 0 0 .']],
    ['TXT', ['v=spf1 -all'], ['"v=spf1 -all"']],
    ['TXT', ['say "hi" \\o/'], ['"say \\"hi\\" \\\\o/"']],
    ['TXT', ['"part one" "part two"'], ['"part one" "part two"']],
    ['TXT', ['"\\101BC"'], ['"ABC"']], // Route 53 escapes are octal
    ['CAA', ['0 issue "letsencrypt.org"'], ['0 issue "letsencrypt.org"']],
    ['CAA', ['128 ISSUEWILD ;'], ['128 issuewild ";"']],
    ['CAA', ['0 iodef "mailto:security@example.com"'], ['0 iodef "mailto:security@example.com"']],
  ])('%s %j -> %j', (type, values, expected) => {
    expect(ok(type, values)).toEqual(expected);
  });

  it('splits a long TXT value into 255-character strings', () => {
    const [v] = ok('TXT', ['x'.repeat(600)]);
    expect(v).toBe(`"${'x'.repeat(255)}" "${'x'.repeat(255)}" "${'x'.repeat(90)}"`);
  });

  it.each<[RecordType, string[], RegExp]>([
    ['A', ['192.0.2.300'], /not an IPv4 address/],
    ['A', ['2001:db8::1'], /not an IPv4 address/],
    ['A', ['192.0.2.1', '192.0.2.1'], /duplicate value/],
    ['A', [], /at least one value/],
    ['AAAA', ['192.0.2.1'], /not an IPv6 address/],
    ['AAAA', ['fe80::1%eth0'], /not an IPv6 address/],
    ['CNAME', ['a.example.com', 'b.example.com'], /exactly one value/],
    ['CNAME', ['bad..example.com'], /empty label/],
    ['CNAME', ['-bad.example.com'], /must not start or end with a hyphen/],
    ['MX', ['mail.example.com'], /"priority host"/],
    ['MX', ['70000 mail.example.com'], /priority must be an integer from 0 to 65535/],
    ['MX', ['-1 mail.example.com'], /priority must be an integer/],
    ['MX', ['10 mail_1.example.com'], /may only contain letters, digits, hyphens/],
    ['NS', ['*.example.com'], /wildcard/],
    ['SRV', ['10 5 sip.example.com'], /"priority weight port target"/],
    ['SRV', ['10 5 70000 sip.example.com'], /port must be an integer/],
    ['TXT', ['"unclosed'], /not closed/],
    ['TXT', ['"a""b"'], /separated by spaces/],
    ['TXT', [`"${'y'.repeat(256)}"`], /at most 255 characters/],
    ['TXT', ['caf\u00e9'], /printable ASCII/],
    ['TXT', ['z'.repeat(4001)], /at most 4000 characters/],
    ['CAA', ['0 issue'], /"flags tag value"/],
    ['CAA', ['256 issue "ca.example"'], /flags must be an integer from 0 to 255/],
    ['CAA', ['0 policy "ca.example"'], /tag must be one of/],
    ['CAA', ['0 iodef "ftp://example.com"'], /mailto: or http/],
    ['CAA', ['0 issue "ca.example'], /not closed/],
  ])('%s %j is refused: %s', (type, values, reason) => {
    expect(problems(type, values)).toMatch(reason);
  });

  it('points at the offending value', () => {
    const r = normalizeRecordValues('A', ['192.0.2.1', 'nope']);
    expect(r).toEqual({ ok: false, problems: [{ index: 1, message: '"nope" is not an IPv4 address' }] });
  });
});

describe('names', () => {
  it.each([
    ['www', 'example.com.', 'www.example.com.'],
    ['@', 'example.com.', 'example.com.'],
    ['', 'example.com', 'example.com.'],
    ['WWW.Example.com', 'example.com.', 'www.example.com.'],
    ['api.example.com.', 'example.com.', 'api.example.com.'],
    ['mail.other.org.', 'example.com.', 'mail.other.org.'],
    ['a.b', 'example.com.', 'a.b.example.com.'],
  ])('record name %j in zone %s is %s', (name, zone, expected) => {
    expect(recordFqdn(name, zone)).toBe(expected);
  });

  it('tells names inside a zone from names outside it', () => {
    expect(isInZone('www.example.com.', 'example.com.')).toBe(true);
    expect(isInZone('example.com', 'example.com.')).toBe(true);
    expect(isInZone('badexample.com.', 'example.com.')).toBe(false);
  });

  it.each([
    ['*.example.com', { wildcard: true }, undefined],
    ['*.example.com', {}, /wildcard/],
    ['a.*.example.com', { wildcard: true }, /leftmost/],
    ['_sip._tcp.example.com', { underscore: true }, undefined],
    ['_sip._tcp.example.com', {}, /letters, digits, hyphens/],
    [`${'a'.repeat(64)}.example.com`, {}, /longer than 63/],
    [`${'abcdefghi.'.repeat(26)}com`, {}, /at most 253/],
    ['', {}, /empty/],
  ])('domain name %j with %j', (name, rules, reason) => {
    const problem = domainNameProblem(name, rules);
    if (reason === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(reason);
  });
});

describe('CNAME exclusivity at a name', () => {
  it.each([
    ['CNAME', [], undefined],
    ['CNAME', ['CNAME'], undefined],
    ['CNAME', ['A'], /cannot share its name .* A record/],
    ['TXT', ['CNAME'], /TXT record cannot be added where a CNAME/],
    ['A', ['AAAA', 'TXT'], undefined],
  ])('%s next to %j', (type, existing, reason) => {
    const r = conflictsAtName(type, existing);
    if (reason === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(reason);
  });
});
