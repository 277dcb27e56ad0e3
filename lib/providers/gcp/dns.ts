/**
 * The GCP dns driver: Cloud DNS managed zones and their record sets through the official
 * @google-cloud/dns library. Record changes go in one `changes.create` (deletions, then additions, all
 * or nothing) and are PENDING until Cloud DNS says `done`. A zone's creation and deletion are
 * synchronous at Cloud DNS: their ChangeStatus is INSYNC at once, and getChange knows those ids
 * without asking. A private zone answers in VPC networks, named as the network driver names them.
 */
import { ProviderError } from '../../core/errors.js';
import { fqdn } from '../../net/dns-name.js';
import type * as Dns from '../dns.js';
import { isZoneOwnRecord } from '../dns.js';
import { ProviderConflictError, ProviderNotFoundError, ProviderRejectedError } from '../errors.js';
import { type CloudDnsClient, createDnsClient, withDeadline } from './dns-client.js';
import {
  type CloudDnsChange,
  type CloudDnsRecordSet,
  type CloudDnsZone,
  changeId,
  managedZoneName,
  parseChangeId,
  SYNC_CHANGES,
  toChangeStatus,
  toCloudDnsRecordSet,
  toProviderRecord,
  toProviderZone,
} from './dns-mapping.js';
import { type GcpDriverConfig, GcpSession, type GcpSessionDeps } from './session.js';

/** Cloud DNS's default quota of record-set deletions in one change. */
export const MAX_DELETIONS_PER_CHANGE = 100;
const PAGE = 500;

/** One record set's part in a batch: what the server holds now (once read) and what goes in and out. */
interface Slot {
  read?: CloudDnsRecordSet | null;
  deletion?: CloudDnsRecordSet;
  addition?: CloudDnsRecordSet;
}

const sameSet = (a: CloudDnsRecordSet, b: CloudDnsRecordSet) =>
  a.ttl === b.ttl && JSON.stringify(a.rrdatas ?? []) === JSON.stringify(b.rrdatas ?? []);

export class GcpDnsDriver implements Dns.DnsDriver {
  private readonly s: GcpSession<CloudDnsClient>;
  private readonly timeoutMs: number;

  constructor(config: GcpDriverConfig, deps: GcpSessionDeps = {}) {
    const load = (c: GcpDriverConfig, now: () => Date) => createDnsClient(c.credentials, c.endpoint, now);
    this.s = new GcpSession(config, deps, load, 'Cloud DNS');
    this.timeoutMs = deps.callTimeoutMs ?? 30_000;
  }

  /** One Cloud DNS call through the session (backoff, error mapping), bounded by the call timeout. */
  private call<T>(context: string, fn: (c: CloudDnsClient) => Promise<T>): Promise<T> {
    return this.s.call(context, (c) => withDeadline(fn(c), this.timeoutMs, context));
  }

  async listZones(): Promise<Dns.ProviderZone[]> {
    const out: Dns.ProviderZone[] = [];
    let pageToken: string | undefined;
    do {
      const query = { autoPaginate: false, maxResults: PAGE, ...(pageToken ? { pageToken } : {}) };
      const [zones, next] = await this.call('managedZones.list', (c) => c.dns.getZones(query));
      for (const z of zones) out.push(toProviderZone(z.metadata as CloudDnsZone));
      pageToken = next?.pageToken;
    } while (pageToken);
    return out;
  }

  /** The networkUrl Cloud DNS wants: vpcId is the network driver's id (the network's name) or a URL. */
  private networkUrl(vpcId: string): string {
    if (vpcId.includes('/')) return vpcId;
    return `https://www.googleapis.com/compute/v1/projects/${this.s.project}/global/networks/${vpcId}`;
  }

  async createZone(
    req: Dns.CreateZoneRequest,
  ): Promise<{ zone: Dns.ProviderZone; change: Dns.ChangeStatus }> {
    if (req.private && !req.vpc) {
      throw new ProviderRejectedError('a private Cloud DNS zone needs the VPC network it answers in');
    }
    const dnsName = fqdn(req.name);
    // Chosen once: a retried create that did go through answers 409 instead of making a second zone.
    const name = managedZoneName(dnsName);
    const config = {
      dnsName,
      description: req.comment ?? '',
      visibility: req.private ? 'private' : 'public',
      ...(req.private && req.vpc
        ? { privateVisibilityConfig: { networks: [{ networkUrl: this.networkUrl(req.vpc.vpcId) }] } }
        : {}),
    };
    const [zone] = await this.call(`managedZones.create ${dnsName}`, (c) =>
      c.dns.createZone(name, config as Parameters<typeof c.dns.createZone>[1]),
    );
    const made = toProviderZone(zone.metadata as CloudDnsZone);
    const status = toChangeStatus(made.externalId, { id: 'created', status: 'done' }, this.s.now);
    return { zone: made, change: status };
  }

  private async rawRecords(zoneId: string, filter: { name?: string; type?: string } = {}) {
    const out: CloudDnsRecordSet[] = [];
    let pageToken: string | undefined;
    do {
      const query = { ...filter, autoPaginate: false, maxResults: PAGE, ...(pageToken ? { pageToken } : {}) };
      const page = await this.call(`resourceRecordSets.list of zone ${zoneId}`, async (c) => {
        const answer = (await c.dns.zone(zoneId).getRecords(query)) as unknown[];
        return answer[2] as { rrsets?: CloudDnsRecordSet[]; nextPageToken?: string } | undefined;
      });
      out.push(...(page?.rrsets ?? []));
      pageToken = page?.nextPageToken;
    } while (pageToken);
    return out;
  }

  async listRecords(zoneId: string): Promise<Dns.ProviderRecord[]> {
    return (await this.rawRecords(zoneId)).map(toProviderRecord);
  }

  /** One changes.create; its id carries the zone so getChange can find it. */
  private async submit(zoneId: string, additions: CloudDnsRecordSet[], deletions: CloudDnsRecordSet[]) {
    const [change] = await this.call(`changes.create in zone ${zoneId}`, (c) => {
      const zone = c.dns.zone(zoneId);
      const record = (r: CloudDnsRecordSet) =>
        zone.record(r.type ?? '', { name: r.name ?? '', ttl: r.ttl ?? 0, data: r.rrdatas ?? [] });
      return zone.createChange({ add: additions.map(record), delete: deletions.map(record) });
    });
    return toChangeStatus(zoneId, change.metadata as CloudDnsChange, this.s.now);
  }

  /**
   * The batch folded per record set into what Cloud DNS wants: the exact current set as a deletion
   * (read first: Cloud DNS refuses a deletion that differs), the new one as an addition. A CREATE of a
   * set that exists is left for Cloud DNS to refuse (409 alreadyExists), so nothing is read for it.
   */
  async changeRecords(zoneId: string, changes: Dns.RecordChange[]): Promise<Dns.ChangeStatus> {
    const slots = new Map<string, Slot>();
    const current = async (slot: Slot, set: CloudDnsRecordSet) => {
      if (slot.read === undefined) {
        const found = await this.rawRecords(zoneId, { name: set.name ?? '', type: set.type ?? '' });
        slot.read = found.find((r) => r.name === set.name && r.type === set.type) ?? null;
      }
      return slot.read;
    };
    for (const { action, record } of changes) {
      const set = toCloudDnsRecordSet(record);
      const k = `${set.name}|${set.type}`;
      const slot = slots.get(k) ?? {};
      slots.set(k, slot);
      const what = `${set.type} record ${set.name} in zone ${zoneId}`;
      if (action === 'CREATE') {
        if (slot.addition) throw new ProviderConflictError(`${what} is created twice in one change`);
        slot.addition = set;
      } else if (action === 'UPSERT') {
        const held = slot.addition || slot.deletion ? undefined : await current(slot, set);
        if (held) slot.deletion = held;
        slot.addition = set;
      } else if (slot.addition) {
        slot.addition = undefined;
      } else {
        const held = slot.deletion ? null : await current(slot, set);
        if (!held) throw new ProviderNotFoundError(`${what} does not exist`);
        slot.deletion = held;
      }
    }
    const additions: CloudDnsRecordSet[] = [];
    const deletions: CloudDnsRecordSet[] = [];
    for (const slot of slots.values()) {
      // An UPSERT to what is already there changes nothing: Cloud DNS is not asked to swap a set for itself.
      if (slot.addition && slot.deletion && sameSet(slot.addition, slot.deletion)) continue;
      if (slot.addition) additions.push(slot.addition);
      if (slot.deletion) deletions.push(slot.deletion);
    }
    if (!additions.length && !deletions.length) {
      return toChangeStatus(zoneId, { id: 'unchanged', status: 'done' }, this.s.now);
    }
    return this.submit(zoneId, additions, deletions);
  }

  /** Cloud DNS refuses a zone with records of its own (containerNotEmpty): with force they go first. */
  async deleteZone(zoneId: string, options: { force?: boolean } = {}): Promise<Dns.ChangeStatus> {
    if (options.force) {
      const [zone] = await this.call(`managedZones.get ${zoneId}`, (c) => c.dns.zone(zoneId).get());
      const apex = toProviderZone(zone.metadata as CloudDnsZone).name;
      const doomed = (await this.rawRecords(zoneId)).filter(
        (r) => !isZoneOwnRecord(toProviderRecord(r), apex),
      );
      for (let i = 0; i < doomed.length; i += MAX_DELETIONS_PER_CHANGE) {
        await this.submit(zoneId, [], doomed.slice(i, i + MAX_DELETIONS_PER_CHANGE));
      }
    }
    await this.call(`managedZones.delete ${zoneId}`, (c) => c.dns.zone(zoneId).delete());
    return toChangeStatus(zoneId, { id: 'deleted', status: 'done' }, this.s.now);
  }

  async getChange(id: string): Promise<Dns.ChangeStatus> {
    const parsed = parseChangeId(id);
    if (!parsed) throw new ProviderNotFoundError(`${id} is not a Cloud DNS change id of Nimbo's`);
    if ((SYNC_CHANGES as readonly string[]).includes(parsed.change)) {
      return toChangeStatus(parsed.zone, { id: parsed.change, status: 'done' }, this.s.now);
    }
    const [metadata] = await this.call(`changes.get ${id}`, (c) =>
      c.dns.zone(parsed.zone).change(parsed.change).getMetadata(),
    );
    const change = metadata as CloudDnsChange;
    if (!change?.id) throw new ProviderError(`changes.get ${id}: Cloud DNS returned no change`);
    return { ...toChangeStatus(parsed.zone, change, this.s.now), id: changeId(parsed.zone, change.id) };
  }
}
