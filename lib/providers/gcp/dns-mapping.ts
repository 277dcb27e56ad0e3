/**
 * Cloud DNS shapes ↔ the provider-neutral shapes of dns.ts. Pure. Cloud DNS keeps record data in the
 * same presentation format Route 53 uses (MX "10 mail.example.com.", TXT as quoted strings, names fully
 * qualified with the trailing dot), so values pass through as they are; only names are normalized.
 * ChangeStatus ids carry the managed zone: Cloud DNS numbers changes per zone, and getChange gets only
 * the id.
 */
import { randomBytes } from 'node:crypto';
import { fqdn } from '../../net/dns-name.js';
import type { ChangeStatus, ProviderRecord, ProviderZone, RecordSet } from '../dns.js';
import { lastSegment } from './mapping.js';

export interface CloudDnsZone {
  id?: string | null;
  name?: string | null;
  dnsName?: string | null;
  description?: string | null;
  visibility?: string | null;
  privateVisibilityConfig?: { networks?: { networkUrl?: string | null }[] | null } | null;
}

export interface CloudDnsRecordSet {
  name?: string | null;
  type?: string | null;
  ttl?: number | null;
  rrdatas?: string[] | null;
}

export interface CloudDnsChange {
  id?: string | null;
  status?: string | null;
  startTime?: string | null;
}

/** Changes with no change resource to poll: a zone's creation and deletion (synchronous), a no-op batch. */
export const SYNC_CHANGES = ['created', 'deleted', 'unchanged'] as const;

export function toProviderZone(z: CloudDnsZone): ProviderZone {
  const networks = z.privateVisibilityConfig?.networks ?? [];
  return {
    // The numeric id: Cloud DNS paths take it where they take the zone's name.
    externalId: String(z.id ?? z.name ?? ''),
    name: fqdn(z.dnsName ?? ''),
    private: z.visibility === 'private',
    comment: z.description || null,
    // Cloud DNS reports no record count on the zone.
    recordCount: null,
    // Private zones answer in global VPC networks, named here by the network's name.
    vpcs: networks.map((n) => ({ region: 'global', vpcId: lastSegment(n.networkUrl) })),
  };
}

export function toProviderRecord(r: CloudDnsRecordSet): ProviderRecord {
  return {
    name: fqdn(r.name ?? ''),
    type: r.type ?? '',
    ttl: r.ttl ?? null,
    // Sets with a routing policy (geo, weighted) hold no rrdatas of their own.
    values: [...(r.rrdatas ?? [])],
    alias: null,
    setIdentifier: null,
  };
}

export function toCloudDnsRecordSet(r: RecordSet): CloudDnsRecordSet {
  return { name: fqdn(r.name), type: r.type, ttl: r.ttl, rrdatas: [...r.values] };
}

/** `<managed zone>/<change id>`: the zone part is the zone's externalId. */
export function changeId(zone: string, change: string): string {
  return `${zone}/${change}`;
}

export function parseChangeId(id: string): { zone: string; change: string } | undefined {
  const at = id.lastIndexOf('/');
  if (at <= 0 || at === id.length - 1) return undefined;
  return { zone: id.slice(0, at), change: id.slice(at + 1) };
}

export function toChangeStatus(zone: string, c: CloudDnsChange, now: () => Date): ChangeStatus {
  const started = c.startTime ? new Date(c.startTime) : now();
  return {
    id: changeId(zone, c.id ?? ''),
    status: c.status === 'done' ? 'INSYNC' : 'PENDING',
    submittedAt: Number.isNaN(started.getTime()) ? now() : started,
  };
}

/**
 * A managed zone's name (RFC 1035 label, unique in the project) for a DNS name: readable, and with a
 * random tail because Cloud DNS allows several zones of one DNS name (e.g. a public and a private one).
 */
export function managedZoneName(dnsName: string): string {
  const slug = fqdn(dnsName)
    .slice(0, -1)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 44);
  return `nimbo-${slug || 'root'}-${randomBytes(4).toString('hex')}`.replace(/--+/g, '-');
}
