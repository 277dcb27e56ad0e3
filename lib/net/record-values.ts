/**
 * DNS record values, validated and normalized per type before any provider is called, in the text form
 * Route 53 uses (and the simulator stores): hostnames fully qualified, TXT as quoted character-strings,
 * MX/SRV/CAA as their space-separated fields. Each problem names the value and the rule it breaks.
 */
import { domainNameProblem, fqdn } from './dns-name.js';
import { parseIPv4 } from './ipv4.js';
import { normalizeIPv6 } from './ipv6.js';

/** The types Nimbo manages. Others (SOA, PTR, DS, ...) are listed by polls but not changed here. */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Route 53's limits: a TXT character-string holds 255 characters, a value at most 4,000. */
export const TXT_CHUNK = 255;
export const MAX_VALUE_LENGTH = 4000;
export const MAX_VALUES = 100;

export const CAA_TAGS = [
  'issue',
  'issuewild',
  'iodef',
  'issuemail',
  'issuevmc',
  'contactemail',
  'contactphone',
];

export interface ValueProblem {
  /** Index of the value in the request, or -1 for the set as a whole. */
  index: number;
  message: string;
}

export type ValuesResult = { ok: true; values: string[] } | { ok: false; problems: ValueProblem[] };

type One = { value: string } | { problem: string };

function uint(text: string | undefined, max: number, what: string): number | string {
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > max) {
    return `${what} must be an integer from 0 to ${max}`;
  }
  return Number(text);
}

function hostname(text: string, what: string, underscore = false): One {
  const problem = domainNameProblem(text, { underscore });
  return problem ? { problem: `${what} ${problem}` } : { value: fqdn(text) };
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Splits `"a" "b"` into its unescaped character-strings, or says why it is not one. */
function parseQuoted(text: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    if (text[i] !== '"') return 'quoted TXT strings must be separated by spaces (e.g. "part one" "part two")';
    let s = '';
    i++;
    for (;;) {
      if (i >= text.length) return 'a quoted TXT string is not closed';
      const c = text[i]!;
      if (c === '\\') {
        // Route 53 writes escapes as three octal digits (\052 is "*").
        const octal = /^[0-7]{3}/.exec(text.slice(i + 1));
        if (octal) {
          s += String.fromCharCode(Number.parseInt(octal[0], 8));
          i += 4;
        } else if (i + 1 < text.length) {
          s += text[i + 1];
          i += 2;
        } else return 'a TXT string ends with a lone backslash';
        continue;
      }
      if (c === '"') {
        i++;
        break;
      }
      s += c;
      i++;
    }
    if (i < text.length && text[i] !== ' ') return 'quoted TXT strings must be separated by spaces';
    out.push(s);
  }
  return out.length ? out : 'a TXT value must not be empty';
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * TXT: plain text is quoted for you (and split into 255-character strings); a value that starts with a
 * quote is taken as already quoted and each of its strings checked. Only printable ASCII: Route 53 would
 * otherwise need octal escapes, which is easier to get wrong than to refuse.
 */
function txt(text: string): One {
  let parts: string[];
  if (text.startsWith('"')) {
    const parsed = parseQuoted(text);
    if (typeof parsed === 'string') return { problem: parsed };
    parts = parsed;
    const long = parts.find((p) => p.length > TXT_CHUNK);
    if (long !== undefined) return { problem: `a quoted TXT string holds at most ${TXT_CHUNK} characters` };
  } else {
    parts = [];
    for (let i = 0; i < text.length; i += TXT_CHUNK) parts.push(text.slice(i, i + TXT_CHUNK));
    if (parts.length === 0) parts.push('');
  }
  if (!parts.every((p) => PRINTABLE.test(p))) {
    return { problem: 'TXT values may only contain printable ASCII characters' };
  }
  return { value: parts.map(quote).join(' ') };
}

function mx(text: string): One {
  const [prio, host, ...rest] = text.trim().split(/\s+/);
  if (rest.length || !host) return { problem: 'an MX value is "priority host", e.g. "10 mail.example.com"' };
  const p = uint(prio, 65535, 'the MX priority');
  if (typeof p === 'string') return { problem: p };
  const h = hostname(host, 'the mail server');
  return 'problem' in h ? h : { value: `${p} ${h.value}` };
}

function srv(text: string): One {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 4) {
    return { problem: 'an SRV value is "priority weight port target", e.g. "10 5 5060 sip.example.com"' };
  }
  const nums: number[] = [];
  for (const [i, what] of ['priority', 'weight', 'port'].entries()) {
    const n = uint(fields[i], 65535, `the SRV ${what}`);
    if (typeof n === 'string') return { problem: n };
    nums.push(n);
  }
  // "." is the SRV way of saying "this service is not offered here" (RFC 2782).
  if (fields[3] === '.') return { value: `${nums.join(' ')} .` };
  const h = hostname(fields[3]!, 'the SRV target');
  return 'problem' in h ? h : { value: `${nums.join(' ')} ${h.value}` };
}

function caa(text: string): One {
  const m = /^(\S+)\s+(\S+)\s+(.+)$/.exec(text.trim());
  if (!m) return { problem: 'a CAA value is "flags tag value", e.g. 0 issue "letsencrypt.org"' };
  const flags = uint(m[1], 255, 'the CAA flags');
  if (typeof flags === 'string') return { problem: flags };
  const tag = m[2]!.toLowerCase();
  if (!CAA_TAGS.includes(tag)) return { problem: `the CAA tag must be one of ${CAA_TAGS.join(', ')}` };
  let value = m[3]!;
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"'))
      return { problem: 'the CAA value is not closed by a quote' };
    value = value.slice(1, -1);
  }
  if (!PRINTABLE.test(value) || value.includes('"')) {
    return { problem: 'the CAA value must be printable ASCII without quotes inside' };
  }
  if (tag === 'iodef' && !/^(mailto:|https?:\/\/)\S+$/.test(value)) {
    return { problem: 'an iodef CAA value must be a mailto: or http(s):// URL' };
  }
  return { value: `${flags} ${tag} "${value}"` };
}

function one(type: RecordType, raw: string): One {
  const text = type === 'TXT' ? raw : raw.trim();
  switch (type) {
    case 'A':
      return parseIPv4(text) === undefined
        ? { problem: `"${text}" is not an IPv4 address` }
        : { value: text };
    case 'AAAA': {
      const v6 = normalizeIPv6(text);
      return v6 ? { value: v6 } : { problem: `"${text}" is not an IPv6 address` };
    }
    case 'CNAME':
      return hostname(text, 'the CNAME target', true);
    case 'NS':
      return hostname(text, 'the name server');
    case 'MX':
      return mx(text);
    case 'TXT':
      return txt(text);
    case 'SRV':
      return srv(text);
    case 'CAA':
      return caa(text);
  }
}

/** Every value checked and normalized; duplicates after normalization are refused, as Route 53 does. */
export function normalizeRecordValues(type: RecordType, values: readonly string[]): ValuesResult {
  const problems: ValueProblem[] = [];
  if (values.length === 0) problems.push({ index: -1, message: 'give at least one value' });
  if (values.length > MAX_VALUES) problems.push({ index: -1, message: `at most ${MAX_VALUES} values` });
  if (type === 'CNAME' && values.length > 1) {
    problems.push({ index: -1, message: 'a CNAME record has exactly one value' });
  }
  const out: string[] = [];
  values.forEach((raw, index) => {
    if (raw.length > MAX_VALUE_LENGTH) {
      problems.push({ index, message: `a value holds at most ${MAX_VALUE_LENGTH} characters` });
      return;
    }
    const r = one(type, raw);
    if ('problem' in r) problems.push({ index, message: r.problem });
    else if (out.includes(r.value)) problems.push({ index, message: `duplicate value ${r.value}` });
    else out.push(r.value);
  });
  return problems.length ? { ok: false, problems } : { ok: true, values: out };
}

/** The types that may share a name with `type`: CNAME shares it with nothing (RFC 1034 3.6.2). */
export function conflictsAtName(type: string, existingTypes: readonly string[]): string | undefined {
  if (type === 'CNAME') {
    const other = existingTypes.find((t) => t !== 'CNAME');
    return other
      ? `a CNAME cannot share its name with other records (there is a ${other} record)`
      : undefined;
  }
  return existingTypes.includes('CNAME')
    ? `a ${type} record cannot be added where a CNAME record exists`
    : undefined;
}
