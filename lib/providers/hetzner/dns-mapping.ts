/**
 * Zones and RRSets of the Cloud API as Route 53's shapes. Hetzner names a zone without the trailing dot
 * and an RRSet relative to its zone ("@" is the apex, "www"); its values are zone-file text (TXT quoted,
 * MX "10 mail"), where a target without a trailing dot is relative to the zone. Nimbo sends targets
 * fully qualified (valid zone-file text) and reads them back fully qualified.
 */
import { z } from 'zod';
import { fqdn, recordFqdn } from '../../net/dns-name.js';
import type { ProviderRecord, ProviderZone } from '../dns.js';

export const ZoneSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  ttl: z.number().optional(),
  mode: z.string().optional(),
  record_count: z.number().nullable().optional(),
});
export type HetznerZone = z.infer<typeof ZoneSchema>;

export const RrsetSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  type: z.string(),
  ttl: z.number().nullable(),
  records: z.array(z.looseObject({ value: z.string(), comment: z.string().nullable().optional() })),
});
export type HetznerRrset = z.infer<typeof RrsetSchema>;

export function mapZone(zone: HetznerZone): ProviderZone {
  return {
    externalId: String(zone.id),
    name: fqdn(zone.name),
    private: false,
    comment: null,
    recordCount: zone.record_count ?? null,
    vpcs: [],
  };
}

/** The RRSet name Hetzner takes for a fully qualified name in `zone`: "@" for the apex. */
export function relativeName(name: string, zone: string): string {
  const n = fqdn(name);
  const zoneName = fqdn(zone);
  if (n === zoneName) return '@';
  return n.endsWith(`.${zoneName}`) ? n.slice(0, -(zoneName.length + 1)) : n.slice(0, -1);
}

/** Which word of a value is a domain name, per type (the rest passes as it is). */
const TARGET_WORD: Record<string, number> = { CNAME: 0, NS: 0, PTR: 0, MX: 1, SRV: 3 };

export function qualifyValue(type: string, value: string, zone: string): string {
  const at = TARGET_WORD[type];
  if (at === undefined) return value;
  const words = value.trim().split(/\s+/);
  const target = words[at];
  if (target === undefined) return value;
  words[at] = recordFqdn(target, zone);
  return words.join(' ');
}

export function mapRrset(r: HetznerRrset, zone: string): ProviderRecord {
  return {
    name: recordFqdn(r.name, zone),
    type: r.type,
    ttl: r.ttl,
    values: r.records.map((x) => qualifyValue(r.type, x.value, zone)),
    alias: null,
    setIdentifier: null,
  };
}
