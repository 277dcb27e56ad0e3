/**
 * Azure DNS's shapes <-> the provider-neutral shapes of dns.ts. Azure holds typed records (aRecords,
 * mxRecords, txtRecords, ...) under names relative to the zone ('@' the apex) and host names without
 * the trailing dot; Nimbo holds Route 53's text form, fully qualified. Pure functions: no Azure call here.
 */
import type { RecordSet as AzureRecordSet, Zone } from '@azure/arm-dns';
import { fqdn } from '../../net/dns-name.js';
import type { RecordType } from '../../net/record-values.js';
import type { ProviderRecord, ProviderZone, RecordSet } from '../dns.js';

const ZONE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones\/([^/]+)$/i;

/** The tag that keeps the comment a zone was created with (Azure zones have no comment of their own). */
export const COMMENT_TAG = 'nimbo-comment';

export interface ZoneName {
  resourceGroup: string;
  /** Without the trailing dot, as Azure's paths take it. */
  zone: string;
}

/** A zone's externalId is its ARM id: the resource group and the zone name are in it. */
export function parseZoneId(id: string): ZoneName | undefined {
  const m = ZONE_ID.exec(id);
  return m ? { resourceGroup: m[2]!, zone: m[3]!.toLowerCase() } : undefined;
}

/** "www.example.com." in zone "example.com" -> "www"; the apex -> "@"; outside the zone -> undefined. */
export function relativeName(name: string, zone: string): string | undefined {
  const n = fqdn(name);
  const z = fqdn(zone);
  if (n === z) return '@';
  return n.endsWith(`.${z}`) ? n.slice(0, -(z.length + 1)) : undefined;
}

export function absoluteName(relative: string, zone: string): string {
  return relative === '@' ? fqdn(zone) : fqdn(`${relative}.${zone}`);
}

/** Azure wants host names without the trailing dot and answers them so. */
const bare = (host: string) => (host.length > 1 && host.endsWith('.') ? host.slice(0, -1) : host);
const host = (h: string | undefined) => (h === '.' ? '.' : fqdn(h ?? ''));

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** '"part one" "part two"' -> ['part one', 'part two'] (values arrive normalized by lib/net). */
export function unquoteTxt(value: string): string[] {
  const parts: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    parts.push(
      m[1]!.replace(/\\([0-7]{3}|.)/g, (_, e: string) =>
        e.length === 3 ? String.fromCharCode(Number.parseInt(e, 8)) : e,
      ),
    );
  }
  return parts.length ? parts : [value];
}

/** The type at the end of "Microsoft.Network/dnszones/A". */
export function recordTypeOf(set: AzureRecordSet): string {
  return (set.type ?? '').split('/').pop()?.toUpperCase() || 'UNKNOWN';
}

/** Each record of the set in Route 53's text form. */
export function recordValues(set: AzureRecordSet): string[] {
  const soa = set.soaRecord;
  return [
    ...(set.aRecords ?? []).map((r) => r.ipv4Address ?? ''),
    ...(set.aaaaRecords ?? []).map((r) => r.ipv6Address ?? ''),
    ...(set.cnameRecord?.cname ? [host(set.cnameRecord.cname)] : []),
    ...(set.mxRecords ?? []).map((r) => `${r.preference ?? 0} ${host(r.exchange)}`),
    ...(set.nsRecords ?? []).map((r) => host(r.nsdname)),
    ...(set.ptrRecords ?? []).map((r) => host(r.ptrdname)),
    ...(set.srvRecords ?? []).map(
      (r) => `${r.priority ?? 0} ${r.weight ?? 0} ${r.port ?? 0} ${host(r.target)}`,
    ),
    ...(set.txtRecords ?? []).map((r) => (r.value ?? []).map(quote).join(' ')),
    ...(set.caaRecords ?? []).map((r) => `${r.flags ?? 0} ${r.tag ?? ''} "${r.value ?? ''}"`),
    ...(soa
      ? [
          [
            host(soa.host),
            host(soa.email),
            soa.serialNumber,
            soa.refreshTime,
            soa.retryTime,
            soa.expireTime,
            soa.minimumTtl,
          ].join(' '),
        ]
      : []),
  ];
}

export function toProviderRecord(set: AzureRecordSet, zone: string): ProviderRecord {
  return {
    name: absoluteName(set.name ?? '@', zone),
    type: recordTypeOf(set),
    ttl: set.ttl ?? null,
    values: recordValues(set),
    // Route 53's alias (a name in a hosted zone) has no Azure counterpart: an Azure alias record set
    // points at a resource id (targetResource) and is listed with no values.
    alias: null,
    setIdentifier: null,
  };
}

/** A record set as Azure's PUT takes it: the text values parsed into the type's records. */
export function toAzureRecordSet(record: RecordSet): AzureRecordSet {
  const v = record.values;
  const fields = (s: string) => s.trim().split(/\s+/);
  const typed: Record<RecordType, () => AzureRecordSet> = {
    A: () => ({ aRecords: v.map((ipv4Address) => ({ ipv4Address })) }),
    AAAA: () => ({ aaaaRecords: v.map((ipv6Address) => ({ ipv6Address })) }),
    CNAME: () => ({ cnameRecord: { cname: bare(v[0] ?? '') } }),
    MX: () => ({
      mxRecords: v.map((s) => {
        const [preference, exchange] = fields(s);
        return { preference: Number(preference), exchange: bare(exchange ?? '') };
      }),
    }),
    NS: () => ({ nsRecords: v.map((s) => ({ nsdname: bare(s.trim()) })) }),
    SRV: () => ({
      srvRecords: v.map((s) => {
        const [priority, weight, port, target] = fields(s);
        return {
          priority: Number(priority),
          weight: Number(weight),
          port: Number(port),
          target: bare(target ?? ''),
        };
      }),
    }),
    TXT: () => ({ txtRecords: v.map((s) => ({ value: unquoteTxt(s) })) }),
    CAA: () => ({
      caaRecords: v.map((s) => {
        const m = /^(\d+)\s+(\S+)\s+"?(.*?)"?$/.exec(s.trim());
        return { flags: Number(m?.[1] ?? 0), tag: m?.[2] ?? '', value: m?.[3] ?? '' };
      }),
    }),
  };
  return { ttl: record.ttl, ...typed[record.type]() };
}

export function toProviderZone(zone: Zone): ProviderZone {
  return {
    externalId: zone.id ?? '',
    name: fqdn(zone.name ?? ''),
    // A zone of the 2018 API may be a legacy private one; new private zones are Azure Private DNS.
    private: zone.zoneType === 'Private',
    comment: zone.tags?.[COMMENT_TAG] ?? null,
    recordCount: zone.numberOfRecordSets ?? null,
    vpcs: [],
  };
}
