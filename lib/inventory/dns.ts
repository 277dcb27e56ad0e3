/**
 * Zones and records in the inventory: what a poll (or a change Nimbo just made) writes. The provider is
 * asked for everything first and the writes come after, so a failing call leaves the inventory as it was.
 */

import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, RecordDoc, ZoneDoc } from '../db/documents.js';
import type { RecordedActor, SystemActor } from '../model/actor.js';
import { type DnsDriver, type ProviderRecord, type ProviderZone, recordKey } from '../providers/dns.js';
import { applyResourcePoll, type ResourcePollSummary, summary } from './resources.js';

export function zoneFields(cloud: CloudDoc, z: ProviderZone) {
  return {
    provider: cloud.provider,
    name: z.name,
    private: z.private,
    comment: z.comment,
    vpcs: z.vpcs,
    recordCount: z.recordCount,
  };
}

export function recordFields(r: ProviderRecord) {
  return {
    name: r.name,
    type: r.type,
    ttl: r.ttl,
    values: r.values,
    alias: r.alias,
    setIdentifier: r.setIdentifier,
  };
}

/** The records of one zone, as the provider lists them now. */
export async function applyZoneRecords(
  deps: ServiceDeps,
  zone: Pick<ZoneDoc, '_id' | 'orgId' | 'cloudId'>,
  records: ProviderRecord[],
): Promise<ResourcePollSummary> {
  const outcome = await applyResourcePoll<RecordDoc, ReturnType<typeof recordFields>>(
    deps,
    {
      collection: collections(deps.db).records,
      scope: { orgId: zone.orgId, cloudId: zone.cloudId, zoneId: zone._id },
      idKind: 'record',
      base: { zoneId: zone._id },
    },
    records.map((r) => ({ externalId: recordKey(r), name: r.name, fields: recordFields(r) })),
  );
  return summary(outcome);
}

export interface DnsPollSummary {
  zones: ResourcePollSummary;
  records: { listed: number; appeared: number; disappeared: number };
}

/** Every zone and every record of the cloud: the whole listing first, then the writes. */
export async function pollDns(
  deps: ServiceDeps,
  cloud: CloudDoc,
  driver: DnsDriver,
  actor: SystemActor | RecordedActor,
  jobId?: string,
): Promise<DnsPollSummary> {
  const zones = await driver.listZones();
  const records = new Map<string, ProviderRecord[]>();
  // A few zones at a time: Route 53 allows five requests a second per account.
  for (let i = 0; i < zones.length; i += 4) {
    const batch = zones.slice(i, i + 4);
    const lists = await Promise.all(batch.map((z) => driver.listRecords(z.externalId)));
    for (const [j, z] of batch.entries()) records.set(z.externalId, lists[j]!);
  }
  const outcome = await applyResourcePoll<ZoneDoc, ReturnType<typeof zoneFields>>(
    deps,
    {
      collection: collections(deps.db).zones,
      scope: { orgId: cloud.orgId, cloudId: cloud._id },
      idKind: 'zone',
      audit: { type: 'zone', actor, ...(jobId ? { jobId } : {}) },
    },
    zones.map((z) => ({ externalId: z.externalId, name: z.name, fields: zoneFields(cloud, z) })),
  );
  const total = { listed: 0, appeared: 0, disappeared: 0 };
  for (const z of zones) {
    const id = outcome.ids.get(z.externalId)!;
    const r = await applyZoneRecords(
      deps,
      { _id: id, orgId: cloud.orgId, cloudId: cloud._id },
      records.get(z.externalId)!,
    );
    total.listed += r.listed;
    total.appeared += r.appeared;
    total.disappeared += r.disappeared;
  }
  // A vanished zone's records vanished with it: they must not list as live under a missing zone.
  const { zones: zoneColl, records: recordColl } = collections(deps.db);
  const gone = await zoneColl
    .find({ orgId: cloud.orgId, cloudId: cloud._id, missingSince: { $ne: null } }, { projection: { _id: 1 } })
    .toArray();
  if (gone.length > 0) {
    const orphaned = await recordColl.updateMany(
      { orgId: cloud.orgId, zoneId: { $in: gone.map((z) => z._id) }, missingSince: null },
      { $set: { missingSince: deps.now() } },
    );
    total.disappeared += orphaned.modifiedCount;
  }
  return { zones: summary(outcome), records: total };
}
