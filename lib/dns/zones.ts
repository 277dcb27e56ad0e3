/**
 * DNS zones: the inventory (polled like machines) and the operations on it. Every request is checked
 * before the provider is called (names, private zones and their VPC); a zone holding records other than
 * its SOA/NS is deleted only when forced.
 */

import type { Filter } from 'mongodb';
import { audited } from '../audit/audited.js';
import { dnsDriverFor, requireCapability } from '../clouds/drivers.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError } from '../core/errors.js';
import { unprocessable } from '../core/field-errors.js';
import { log } from '../core/log.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, JobDoc, ZoneDoc } from '../db/documents.js';
import { findCloud, findNetwork, findZone } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { applyZoneRecords, zoneFields } from '../inventory/dns.js';
import { missingFilter, recordSeen, requireEnabled, seenView } from '../inventory/polled.js';
import type { JobDeps } from '../jobs/jobs.js';
import type { Actor } from '../model/actor.js';
import type { CreateZoneBody, ZoneView } from '../model/dns.js';
import { searchRegex } from '../model/list.js';
import { domainNameProblem, fqdn } from '../net/dns-name.js';
import { CAPABILITIES } from '../providers/capabilities.js';
import type { ChangeStatus } from '../providers/dns.js';
import { requestChangeSync } from './sync.js';

export function changeView(c: ChangeStatus | null | undefined) {
  return c ? { id: c.id, status: c.status, submittedAt: c.submittedAt.toISOString() } : null;
}

export function toZoneView(doc: ZoneDoc): ZoneView {
  return {
    id: doc._id,
    cloudId: doc.cloudId,
    provider: doc.provider,
    externalId: doc.externalId,
    name: doc.name,
    private: doc.private,
    comment: doc.comment,
    vpcs: doc.vpcs,
    recordCount: doc.recordCount,
    lastChange: changeView(doc.lastChange),
    ...seenView(doc),
  };
}

/** The cloud a DNS operation acts through: this org's, enabled, with the dns capability. */
export async function dnsCloud(deps: ServiceDeps, orgId: string, cloudId: string): Promise<CloudDoc> {
  const cloud = await findCloud(deps, orgId, cloudId);
  requireCapability(cloud.provider, 'dns');
  return cloud;
}

export async function listZones(
  deps: ServiceDeps,
  orgId: string,
  cloudId: string,
  query: PageRequest & { q?: string; private?: 'true' | 'false'; missing?: 'true' | 'false' | 'any' },
): Promise<Page<ZoneView>> {
  await dnsCloud(deps, orgId, cloudId);
  const filter: Filter<ZoneDoc> = { orgId, cloudId, ...missingFilter(query.missing) };
  if (query.q) filter.name = searchRegex(query.q);
  if (query.private) filter.private = query.private === 'true';
  const page = await findPage(collections(deps.db).zones, filter, query);
  return { items: page.items.map(toZoneView), nextCursor: page.nextCursor };
}

/** A private zone's VPC: given directly, or as one of this cloud's networks. */
async function zoneVpc(deps: ServiceDeps, cloud: CloudDoc, body: CreateZoneBody) {
  if (!body.private) {
    if (body.vpc || body.networkId) {
      throw unprocessable([{ path: 'vpc', message: 'only a private zone is associated with a VPC' }]);
    }
    return undefined;
  }
  if (CAPABILITIES[cloud.provider].privateZones === false) {
    throw unprocessable([
      { path: 'private', message: `the ${cloud.provider} provider's DNS serves public zones only` },
    ]);
  }
  if (body.vpc && body.networkId) {
    throw unprocessable([{ path: 'vpc', message: 'give vpc or networkId, not both' }]);
  }
  if (body.networkId) {
    const network = await findNetwork(deps, cloud.orgId, body.networkId);
    if (network.cloudId !== cloud._id) {
      throw unprocessable([
        { path: 'networkId', message: `network ${network._id} belongs to another cloud` },
      ]);
    }
    return { region: network.region, vpcId: network.externalId };
  }
  if (!body.vpc) {
    throw unprocessable([
      { path: 'vpc', message: 'a private zone needs the VPC it answers in (vpc or networkId)' },
    ]);
  }
  return body.vpc;
}

export async function createZone(
  deps: JobDeps,
  actor: Actor,
  cloudId: string,
  body: CreateZoneBody,
  requestId: string,
): Promise<{ zone: ZoneView; change: ReturnType<typeof changeView>; job?: JobDoc }> {
  const cloud = await dnsCloud(deps, actor.orgId, cloudId);
  requireEnabled(cloud);
  const name = fqdn(body.name);
  const problem = domainNameProblem(name);
  if (problem) throw unprocessable([{ path: 'name', message: problem }]);
  const vpc = await zoneVpc(deps, cloud, body);
  const { zones } = collections(deps.db);
  if (!body.private) {
    const twin = await zones.findOne({
      orgId: actor.orgId,
      cloudId,
      name,
      private: false,
      missingSince: null,
    });
    if (twin) throw new ConflictError(`The public zone ${name} already exists in this cloud (${twin._id})`);
  }
  const driver = await dnsDriverFor(deps, cloud);
  const created = await audited(
    deps,
    {
      actor,
      action: 'zone.create',
      resource: { type: 'cloud', id: cloud._id, name: cloud.name },
      requestId,
      details: { name, private: body.private },
    },
    () =>
      driver.createZone({
        name,
        private: body.private,
        ...(vpc ? { vpc } : {}),
        ...(body.comment ? { comment: body.comment } : {}),
      }),
  );
  const zone = await recordSeen(
    deps,
    zones,
    { orgId: actor.orgId, cloudId },
    created.zone.externalId,
    'zone',
    {
      ...zoneFields(cloud, created.zone),
      lastChange: created.change,
    },
  );
  // Its SOA and NS at once; the next poll would find them too, so a failure here is only logged.
  await driver
    .listRecords(created.zone.externalId)
    .then((records) => applyZoneRecords(deps, zone, records))
    .catch((err) => log.warn('could not list the records of a new zone', { zoneId: zone._id, error: err }));
  const job = body.wait
    ? await requestChangeSync(deps, actor, { cloudId, zoneId: zone._id, change: created.change }, requestId)
    : undefined;
  return { zone: toZoneView(zone), change: changeView(created.change), ...(job ? { job } : {}) };
}

export async function deleteZone(
  deps: JobDeps,
  actor: Actor,
  zoneId: string,
  options: { force: boolean; wait: boolean },
  requestId: string,
): Promise<{ change: ReturnType<typeof changeView>; job?: JobDoc }> {
  const zone = await findZone(deps, actor.orgId, zoneId);
  const cloud = await dnsCloud(deps, actor.orgId, zone.cloudId);
  requireEnabled(cloud);
  const { records, zones } = collections(deps.db);
  // Counted by the database: a zone may hold thousands of records (the zone's own SOA/NS do not count).
  const held = await records.countDocuments({
    orgId: actor.orgId,
    zoneId,
    missingSince: null,
    $nor: [{ name: zone.name, type: { $in: ['SOA', 'NS'] } }],
  });
  if (held && !options.force) {
    throw new ConflictError(
      `Zone ${zone.name} holds ${held} records other than SOA/NS: delete them first, or pass force=true`,
      { details: { records: held } },
    );
  }
  const driver = await dnsDriverFor(deps, cloud);
  const change = await audited(
    deps,
    {
      actor,
      action: 'zone.delete',
      resource: { type: 'zone', id: zone._id, name: zone.name },
      requestId,
      details: { force: options.force, records: held },
    },
    () => driver.deleteZone(zone.externalId, { force: options.force }),
  );
  await records.deleteMany({ orgId: actor.orgId, zoneId });
  await zones.deleteOne({ _id: zoneId, orgId: actor.orgId });
  const job = options.wait
    ? await requestChangeSync(deps, actor, { cloudId: cloud._id, zoneId, change }, requestId)
    : undefined;
  return { change: changeView(change), ...(job ? { job } : {}) };
}
