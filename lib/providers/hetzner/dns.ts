/**
 * The Hetzner Cloud DNS driver: zones and RRSets of the Cloud API, with the project token (Hetzner's
 * DNS moved there, GA 2025-11-10). Zones are public only. A change batch is checked whole against the
 * current RRSets before anything is written, so a refused batch writes nothing; its change id is the id
 * of its last action, which getChange reads (INSYNC once it succeeded).
 */
import { z } from 'zod';
import { fqdn } from '../../net/dns-name.js';
import type {
  ChangeStatus,
  CreateZoneRequest,
  DnsDriver,
  ProviderRecord,
  ProviderZone,
  RecordChange,
} from '../dns.js';
import { isZoneOwnRecord, recordKey } from '../dns.js';
import { ProviderConflictError, ProviderNotFoundError, ProviderRejectedError } from '../errors.js';
import type { RestClient } from '../rest/client.js';
import {
  ActionEnvelope,
  ActionSchema,
  type ActionWaiter,
  actionFailed,
  actionWaiter,
  type HetznerAction,
} from './actions.js';
import { type HetznerDriverConfig, type HetznerDriverDeps, hetznerClient, listAll } from './client.js';
import { type HetznerZone, mapRrset, mapZone, RrsetSchema, relativeName, ZoneSchema } from './dns-mapping.js';

const ZoneEnvelope = z.looseObject({ zone: ZoneSchema });

export function changeOf(action: HetznerAction, context: string): ChangeStatus {
  if (action.status === 'error') throw actionFailed(action, context);
  return {
    id: String(action.id),
    status: action.status === 'success' ? 'INSYNC' : 'PENDING',
    submittedAt: new Date(action.started),
  };
}

export class HetznerDnsDriver implements DnsDriver {
  private readonly rest: RestClient;
  private readonly waiter: ActionWaiter;

  constructor(config: HetznerDriverConfig, deps: HetznerDriverDeps = {}) {
    this.rest = hetznerClient(config, deps);
    this.waiter = actionWaiter(this.rest, deps);
  }

  async listZones(): Promise<ProviderZone[]> {
    const zones = await listAll(this.rest, { path: '/zones', context: 'list zones' }, 'zones', ZoneSchema);
    return zones.map(mapZone);
  }

  async createZone(req: CreateZoneRequest): Promise<{ zone: ProviderZone; change: ChangeStatus }> {
    const name = fqdn(req.name).slice(0, -1);
    const context = `create zone ${name}`;
    if (req.private) {
      throw new ProviderRejectedError(`${context}: Hetzner Cloud DNS serves public zones only`);
    }
    const made = await this.rest.post({
      path: '/zones',
      body: { name, mode: 'primary' },
      schema: z.looseObject({ zone: ZoneSchema, action: ActionSchema }),
      context,
    });
    return { zone: mapZone(made.zone), change: changeOf(made.action, context) };
  }

  async deleteZone(zoneId: string, options: { force?: boolean } = {}): Promise<ChangeStatus> {
    const zone = await this.zone(zoneId, `delete zone ${zoneId}`);
    const context = `delete zone ${fqdn(zone.name)}`;
    const own = (r: ProviderRecord) => isZoneOwnRecord(r, fqdn(zone.name));
    const others = (await this.records(zone)).filter((r) => !own(r));
    if (others.length && !options.force) {
      throw new ProviderConflictError(
        `${context}: it still holds ${others.length} record sets besides its SOA and NS; delete them first or force`,
      );
    }
    // Hetzner deletes a zone's RRSets with it.
    const done = await this.rest.delete({ path: `/zones/${zone.id}`, schema: ActionEnvelope, context });
    return changeOf(done.action, context);
  }

  async listRecords(zoneId: string): Promise<ProviderRecord[]> {
    return this.records(await this.zone(zoneId, `list records of zone ${zoneId}`));
  }

  async changeRecords(zoneId: string, changes: RecordChange[]): Promise<ChangeStatus> {
    const zone = await this.zone(zoneId, `change records of zone ${zoneId}`);
    const context = `change records of zone ${fqdn(zone.name)}`;
    if (changes.length === 0) throw new ProviderRejectedError(`${context}: the batch holds no change`);
    const current = new Map((await this.records(zone)).map((r) => [recordKey(r), r]));
    // The whole batch against what exists, in order, before any write.
    const exists = new Set(current.keys());
    for (const { action, record } of changes) {
      const key = recordKey(record);
      const what = `${record.name} ${record.type}`;
      if (action === 'CREATE' && exists.has(key))
        throw new ProviderConflictError(`${context}: ${what} exists already`);
      if (action === 'DELETE' && !exists.has(key))
        throw new ProviderNotFoundError(`${context}: ${what} is not there`);
      if (action === 'DELETE') exists.delete(key);
      else exists.add(key);
    }
    const present = new Set(current.keys());
    let last: HetznerAction | undefined;
    for (const change of changes) {
      last = await this.apply(zone, change, present.has(recordKey(change.record)), current, context);
      if (change.action === 'DELETE') present.delete(recordKey(change.record));
      else present.add(recordKey(change.record));
    }
    return changeOf(last!, context);
  }

  async getChange(changeId: string): Promise<ChangeStatus> {
    const context = `read change ${changeId}`;
    if (!/^\d+$/.test(changeId))
      throw new ProviderNotFoundError(`${context}: Hetzner Cloud action ids are numeric`);
    return changeOf(await this.waiter.read(changeId, context), context);
  }

  private async apply(
    zone: HetznerZone,
    { action, record }: RecordChange,
    present: boolean,
    current: Map<string, ProviderRecord>,
    context: string,
  ): Promise<HetznerAction> {
    const name = relativeName(record.name, fqdn(zone.name));
    const rrset = `/zones/${zone.id}/rrsets/${encodeURIComponent(name)}/${record.type}`;
    const records = record.values.map((value) => ({ value }));
    if (action === 'DELETE') {
      return (await this.rest.delete({ path: rrset, schema: ActionEnvelope, context })).action;
    }
    if (!present) {
      const made = await this.rest.post({
        path: `/zones/${zone.id}/rrsets`,
        body: { name, type: record.type, ttl: record.ttl, records },
        schema: z.looseObject({ action: ActionSchema }),
        context,
      });
      return made.action;
    }
    const set = await this.rest.post({
      path: `${rrset}/actions/set_records`,
      body: { records },
      schema: ActionEnvelope,
      context,
    });
    if (current.get(recordKey(record))?.ttl === record.ttl) return set.action;
    const ttl = await this.rest.post({
      path: `${rrset}/actions/change_ttl`,
      body: { ttl: record.ttl },
      schema: ActionEnvelope,
      context,
    });
    return ttl.action;
  }

  private async zone(zoneId: string, context: string): Promise<HetznerZone> {
    return (
      await this.rest.get({ path: `/zones/${encodeURIComponent(zoneId)}`, schema: ZoneEnvelope, context })
    ).zone;
  }

  private async records(zone: HetznerZone): Promise<ProviderRecord[]> {
    const rrsets = await listAll(
      this.rest,
      { path: `/zones/${zone.id}/rrsets`, context: `list records of zone ${zone.name}` },
      'rrsets',
      RrsetSchema,
    );
    return rrsets.map((r) => mapRrset(r, fqdn(zone.name)));
  }
}
