/**
 * DigitalOcean's domains and domain records <-> the provider-neutral shapes of dns.ts. DigitalOcean keeps
 * one record per value, named relative to the domain ("@" the apex), MX and SRV fields apart from the
 * host (priority, weight, port), CAA's flags and tag apart from its value, and TXT as its bare text; it
 * takes host names fully qualified with the trailing dot and lists them without it (its own NS records
 * read "ns1.digitalocean.com"). Nimbo holds record sets in Route 53's text form. Pure functions.
 */
import { fqdn } from '../../net/dns-name.js';
import { type RecordType, TXT_CHUNK } from '../../net/record-values.js';
import type { ProviderRecord, ProviderZone } from '../dns.js';
import type { DomainRecord } from './schemas.js';

/** A domain's name as DigitalOcean's paths take it: lowercase, no trailing dot. */
export function bareDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

export function toZone(domain: { name: string }): ProviderZone {
  return {
    externalId: bareDomain(domain.name),
    name: fqdn(domain.name),
    private: false,
    comment: null,
    recordCount: null,
    vpcs: [],
  };
}

export function absoluteName(relative: string, domain: string): string {
  return relative === '@' || relative === '' ? fqdn(domain) : fqdn(`${relative}.${domain}`);
}

/** "www.example.com." in example.com -> "www"; the apex -> "@"; outside the domain -> undefined. */
export function relativeName(name: string, domain: string): string | undefined {
  const n = fqdn(name);
  const z = fqdn(domain);
  if (n === z) return '@';
  return n.endsWith(`.${z}`) ? n.slice(0, -(z.length + 1)) : undefined;
}

/** A host as DigitalOcean lists it, fully qualified: "@" is the domain itself. */
function host(data: string, domain: string): string {
  if (data === '@') return fqdn(domain);
  if (data === '.') return '.';
  return fqdn(data);
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** '"part one" "part two"' -> 'part onepart two': DigitalOcean keeps one text and splits it itself. */
export function unquoteTxt(value: string): string {
  const parts: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    parts.push(
      m[1]!.replace(/\\([0-7]{3}|.)/g, (_, e: string) =>
        e.length === 3 ? String.fromCharCode(Number.parseInt(e, 8)) : e,
      ),
    );
  }
  return parts.length ? parts.join('') : value;
}

/** The text in 255-character quoted strings, as lib/net normalizes a TXT value. */
function quoteTxt(text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += TXT_CHUNK) parts.push(text.slice(i, i + TXT_CHUNK));
  return (parts.length ? parts : ['']).map(quote).join(' ');
}

/** One record's value in Route 53's text form. */
export function recordValue(r: DomainRecord, domain: string): string {
  const data = r.data ?? '';
  switch (r.type) {
    case 'CNAME':
    case 'NS':
      return host(data, domain);
    case 'MX':
      return `${r.priority ?? 0} ${host(data, domain)}`;
    case 'SRV':
      return `${r.priority ?? 0} ${r.weight ?? 0} ${r.port ?? 0} ${host(data, domain)}`;
    case 'TXT':
      return quoteTxt(data);
    case 'CAA':
      return `${r.flags ?? 0} ${r.tag ?? ''} "${data}"`;
    default:
      return data;
  }
}

/** DigitalOcean's records grouped into record sets by name and type, in the order first listed. */
export function toRecordSets(records: readonly DomainRecord[], domain: string): ProviderRecord[] {
  const sets = new Map<string, ProviderRecord>();
  for (const r of records) {
    const name = absoluteName(r.name, domain);
    const key = `${name}|${r.type}`;
    const set = sets.get(key) ?? {
      name,
      type: r.type,
      ttl: r.ttl ?? null,
      values: [],
      alias: null,
      setIdentifier: null,
    };
    set.values.push(recordValue(r, domain));
    sets.set(key, set);
  }
  return [...sets.values()];
}

/** A host for DigitalOcean: fully qualified with its trailing dot, as it asks. */
const fullHost = (h: string | undefined) => (h === '.' ? '.' : fqdn(h ?? ''));

/** The body of POST /domains/{name}/records for one value of a record set. */
export function recordBody(type: RecordType, relative: string, value: string, ttl: number) {
  const f = value.trim().split(/\s+/);
  const base = {
    type,
    name: relative,
    ttl,
    priority: null,
    port: null,
    weight: null,
    flags: null,
    tag: null,
  };
  switch (type) {
    case 'CNAME':
    case 'NS':
      return { ...base, data: fullHost(value.trim()) };
    case 'MX':
      return { ...base, priority: Number(f[0]), data: fullHost(f[1]) };
    case 'SRV':
      return {
        ...base,
        priority: Number(f[0]),
        weight: Number(f[1]),
        port: Number(f[2]),
        data: fullHost(f[3]),
      };
    case 'TXT':
      return { ...base, data: unquoteTxt(value) };
    case 'CAA': {
      const m = /^(\d+)\s+(\S+)\s+"?(.*?)"?$/.exec(value.trim());
      return { ...base, flags: Number(m?.[1] ?? 0), tag: m?.[2] ?? '', data: m?.[3] ?? '' };
    }
    default:
      return { ...base, data: value.trim() };
  }
}
