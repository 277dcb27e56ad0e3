/**
 * The dns capability: hosted zones and their record sets, the same shapes for every provider (Route 53's
 * model: a record set is identified by name + type, values are text, changes go in batches that become
 * INSYNC some time after they are accepted). A driver never touches Nimbo's database.
 */
import { randomBytes } from 'node:crypto';
import type { RecordType } from '../net/record-values.js';

export interface ProviderZone {
  /** The provider's id (Route 53: Z1D633PJN98FT9, without the /hostedzone/ prefix). */
  externalId: string;
  /** Fully qualified, lowercase, with the trailing dot. */
  name: string;
  private: boolean;
  comment: string | null;
  recordCount: number | null;
  /** The VPCs a private zone answers in. */
  vpcs: Array<{ region: string; vpcId: string }>;
}

export interface ProviderRecord {
  name: string;
  /** Any type the provider lists (SOA, NS, PTR, ...); only RECORD_TYPES are changed by Nimbo. */
  type: string;
  ttl: number | null;
  values: string[];
  /** Route 53 alias records point at an AWS resource instead of holding values. */
  alias: { dnsName: string; zoneId: string } | null;
  /** Set on weighted/latency/failover record sets: part of their identity. */
  setIdentifier: string | null;
}

/** Everything a record change needs: the record set as it should be (or as it is, to delete it). */
export interface RecordSet {
  name: string;
  type: RecordType;
  ttl: number;
  values: string[];
}

export interface RecordChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  record: RecordSet;
}

export interface ChangeStatus {
  /** The provider's change id (Route 53: C2682N5HXP0BZ4, without /change/). */
  id: string;
  status: 'PENDING' | 'INSYNC';
  submittedAt: Date;
}

export interface CreateZoneRequest {
  name: string;
  private: boolean;
  /** Required for a private zone: the VPC it answers in. */
  vpc?: { region: string; vpcId: string };
  comment?: string;
}

export interface DnsDriver {
  listZones(): Promise<ProviderZone[]>;
  createZone(req: CreateZoneRequest): Promise<{ zone: ProviderZone; change: ChangeStatus }>;
  /** With `force`, every record but the apex SOA and NS is deleted first (Route 53 refuses otherwise). */
  deleteZone(zoneId: string, options?: { force?: boolean }): Promise<ChangeStatus>;
  listRecords(zoneId: string): Promise<ProviderRecord[]>;
  changeRecords(zoneId: string, changes: RecordChange[], comment?: string): Promise<ChangeStatus>;
  getChange(changeId: string): Promise<ChangeStatus>;
}

/** A record set's identity inside its zone: what polls match on. */
export function recordKey(r: { name: string; type: string; setIdentifier?: string | null }): string {
  return `${r.name}|${r.type}|${r.setIdentifier ?? ''}`;
}

/** The apex SOA and NS belong to the zone itself: they are never "records other than SOA/NS". */
export function isZoneOwnRecord(r: { name: string; type: string }, zoneName: string): boolean {
  return r.name === zoneName && (r.type === 'SOA' || r.type === 'NS');
}

/**
 * For providers that apply record changes at once (Azure, DigitalOcean) a change id only has to carry
 * when it was made: the provider's prefix and a UUIDv7, whose first 48 bits are the time in milliseconds.
 */
export function newChangeId(prefix: string, now: Date): string {
  const time = Math.max(0, now.getTime()).toString(16).padStart(12, '0').slice(-12);
  const r = randomBytes(10).toString('hex');
  const variant = ((Number.parseInt(r[3]!, 16) & 0x3) | 0x8).toString(16);
  return `${prefix}-${time.slice(0, 8)}-${time.slice(8)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(8, 20)}`;
}

/** When the change was made, or undefined for an id that newChangeId did not give with this prefix. */
export function changeTime(prefix: string, id: string): Date | undefined {
  if (!id.startsWith(`${prefix}-`)) return undefined;
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.exec(
    id.slice(prefix.length + 1),
  );
  return m ? new Date(Number.parseInt(m[1]! + m[2]!, 16)) : undefined;
}
