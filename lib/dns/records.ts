/**
 * DNS records: list, create, update, delete, and a machine's own A/AAAA record. Every change is checked
 * first (the name inside the zone, values per type, CNAME alone at its name and never at the apex), then
 * sent as one change batch; the inventory reflects it at once, and a job waits for INSYNC when asked.
 */
import type { Filter } from 'mongodb';
import { audited } from '../audit/audited.js';
import { dnsDriverFor } from '../clouds/drivers.js';
import { ConflictError, UnprocessableError } from '../core/errors.js';
import { type FieldProblem, unprocessable } from '../core/field-errors.js';
import { collections } from '../db/collections.js';
import type { JobDoc, MachineDoc, RecordDoc, ZoneDoc } from '../db/documents.js';
import { findMachine, findOwned, findZone } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { recordFields } from '../inventory/dns.js';
import { missingFilter, recordSeen, requireEnabled, seenView } from '../inventory/polled.js';
import type { JobDeps } from '../jobs/jobs.js';
import type { Actor } from '../model/actor.js';
import type { RecordView } from '../model/dns.js';
import { searchRegex } from '../model/list.js';
import { domainNameProblem, isInZone, recordFqdn } from '../net/dns-name.js';
import { parseIPv4 } from '../net/ipv4.js';
import { normalizeIPv6 } from '../net/ipv6.js';
import {
  conflictsAtName,
  normalizeRecordValues,
  RECORD_TYPES,
  type RecordType,
} from '../net/record-values.js';
import { isZoneOwnRecord, type RecordChange, type RecordSet, recordKey } from '../providers/dns.js';
import { requestChangeSync } from './sync.js';
import { changeView, dnsCloud } from './zones.js';

/** Nimbo changes plain record sets of the managed types; aliases, routing policies and the zone's own SOA/NS stay read-only. */
export function isManaged(
  doc: Pick<RecordDoc, 'name' | 'type' | 'alias' | 'setIdentifier'>,
  zoneName: string,
): boolean {
  return (
    RECORD_TYPES.includes(doc.type as RecordType) &&
    !doc.alias &&
    !doc.setIdentifier &&
    !isZoneOwnRecord(doc, zoneName)
  );
}

export function toRecordView(doc: RecordDoc, zoneName: string): RecordView {
  return {
    id: doc._id,
    zoneId: doc.zoneId,
    name: doc.name,
    type: doc.type,
    ttl: doc.ttl,
    values: doc.values,
    alias: doc.alias,
    setIdentifier: doc.setIdentifier,
    managed: isManaged(doc, zoneName),
    ...seenView(doc),
  };
}

export async function listRecords(
  deps: JobDeps,
  orgId: string,
  zoneId: string,
  query: PageRequest & { q?: string; type?: string; missing?: 'true' | 'false' | 'any' },
): Promise<Page<RecordView>> {
  const zone = await findZone(deps, orgId, zoneId);
  const filter: Filter<RecordDoc> = { orgId, zoneId, ...missingFilter(query.missing) };
  if (query.q) filter.name = searchRegex(query.q);
  if (query.type) filter.type = query.type;
  const page = await findPage(collections(deps.db).records, filter, query);
  return { items: page.items.map((r) => toRecordView(r, zone.name)), nextCursor: page.nextCursor };
}

function findRecord(deps: JobDeps, zone: ZoneDoc, recordId: string): Promise<RecordDoc> {
  const notFound = `Record ${recordId} not found in zone ${zone._id}`;
  return findOwned(collections(deps.db).records, zone.orgId, recordId, notFound, { zoneId: zone._id });
}

/**
 * The record set as it will be sent, or every problem with it: the name, the values, and what already
 * stands at that name in the inventory (CNAME exclusivity).
 */
async function prepare(
  deps: JobDeps,
  zone: ZoneDoc,
  req: { name: string; type: RecordType; ttl: number; values: readonly string[] },
  paths: { name: string; values: string } = { name: 'name', values: 'values' },
): Promise<RecordSet> {
  const problems: FieldProblem[] = [];
  const name = recordFqdn(req.name, zone.name);
  const nameProblem = domainNameProblem(name, { wildcard: true, underscore: true });
  if (nameProblem) problems.push({ path: paths.name, message: nameProblem });
  else if (!isInZone(name, zone.name))
    problems.push({ path: paths.name, message: `${name} is not in zone ${zone.name}` });
  const values = normalizeRecordValues(req.type, req.values);
  if (!values.ok) {
    for (const p of values.problems) {
      problems.push({ path: p.index < 0 ? paths.values : `${paths.values}.${p.index}`, message: p.message });
    }
  }
  if (req.type === 'CNAME' && name === zone.name) {
    problems.push({ path: 'type', message: 'a CNAME cannot be at the zone apex (it holds the SOA and NS)' });
  }
  const others = await collections(deps.db)
    .records.find({ orgId: zone.orgId, zoneId: zone._id, name, missingSince: null, type: { $ne: req.type } })
    .project<{ type: string }>({ type: 1 })
    .toArray();
  const clash = conflictsAtName(
    req.type,
    others.map((o) => o.type),
  );
  if (clash) problems.push({ path: 'type', message: clash });
  if (problems.length) throw unprocessable(problems);
  return { name, type: req.type, ttl: req.ttl, values: values.ok ? values.values : [] };
}

interface Changed {
  record: RecordView | null;
  change: ReturnType<typeof changeView>;
  job?: JobDoc;
}

/** One change batch through the zone's cloud, then the inventory and the audit trail. */
async function send(
  deps: JobDeps,
  actor: Actor,
  zone: ZoneDoc,
  change: RecordChange,
  audit: { action: string; resource: { type: string; id: string; name: string } },
  options: { wait: boolean; requestId: string },
): Promise<Changed> {
  const cloud = await dnsCloud(deps, actor.orgId, zone.cloudId);
  requireEnabled(cloud);
  if (zone.missingSince) throw new UnprocessableError(`Zone ${zone.name} is missing from its cloud`);
  const driver = await dnsDriverFor(deps, cloud);
  const status = await audited(
    deps,
    {
      ...audit,
      actor,
      requestId: options.requestId,
      details: { zoneId: zone._id, action: change.action, ...change.record },
    },
    () => driver.changeRecords(zone.externalId, [change], `Nimbo: ${audit.action} by ${actor.name}`),
  );
  const { records, zones } = collections(deps.db);
  const now = deps.now();
  const key = recordKey(change.record);
  let doc: RecordDoc | null = null;
  if (change.action === 'DELETE') {
    await records.deleteOne({ orgId: zone.orgId, zoneId: zone._id, externalId: key });
  } else {
    doc = await recordSeen(
      deps,
      records,
      { orgId: zone.orgId, cloudId: zone.cloudId, zoneId: zone._id },
      key,
      'record',
      recordFields({ ...change.record, alias: null, setIdentifier: null }),
    );
  }
  await zones.updateOne(
    { _id: zone._id, orgId: zone.orgId },
    { $set: { lastChange: status, updatedAt: now } },
  );
  const job = options.wait
    ? await requestChangeSync(
        deps,
        actor,
        { cloudId: cloud._id, zoneId: zone._id, change: status },
        options.requestId,
      )
    : undefined;
  return {
    record: doc ? toRecordView(doc, zone.name) : null,
    change: changeView(status),
    ...(job ? { job } : {}),
  };
}

export async function createRecord(
  deps: JobDeps,
  actor: Actor,
  zoneId: string,
  body: { name: string; type: RecordType; ttl: number; values: string[]; wait: boolean },
  requestId: string,
): Promise<Changed> {
  const zone = await findZone(deps, actor.orgId, zoneId);
  const set = await prepare(deps, zone, body);
  const existing = await collections(deps.db).records.findOne({
    orgId: actor.orgId,
    zoneId,
    externalId: recordKey(set),
    missingSince: null,
  });
  if (existing) {
    throw new ConflictError(
      `A ${set.type} record ${set.name} already exists (${existing._id}): update it instead`,
    );
  }
  return send(
    deps,
    actor,
    zone,
    { action: 'CREATE', record: set },
    { action: 'record.create', resource: { type: 'zone', id: zone._id, name: zone.name } },
    { wait: body.wait, requestId },
  );
}

function requireManaged(doc: RecordDoc, zone: ZoneDoc): void {
  if (!isManaged(doc, zone.name)) {
    throw new UnprocessableError(
      `Record ${doc.name} ${doc.type} is not managed by Nimbo (the zone's own SOA/NS, an alias, a routing policy or an unmanaged type)`,
    );
  }
}

export async function updateRecord(
  deps: JobDeps,
  actor: Actor,
  zoneId: string,
  recordId: string,
  body: { ttl?: number; values?: string[]; wait: boolean },
  requestId: string,
): Promise<Changed> {
  const zone = await findZone(deps, actor.orgId, zoneId);
  const doc = await findRecord(deps, zone, recordId);
  requireManaged(doc, zone);
  const set = await prepare(deps, zone, {
    name: doc.name,
    type: doc.type as RecordType,
    ttl: body.ttl ?? doc.ttl ?? 300,
    values: body.values ?? doc.values,
  });
  return send(
    deps,
    actor,
    zone,
    { action: 'UPSERT', record: set },
    { action: 'record.update', resource: { type: 'record', id: doc._id, name: doc.name } },
    { wait: body.wait, requestId },
  );
}

export async function deleteRecord(
  deps: JobDeps,
  actor: Actor,
  zoneId: string,
  recordId: string,
  wait: boolean,
  requestId: string,
): Promise<Changed> {
  const zone = await findZone(deps, actor.orgId, zoneId);
  const doc = await findRecord(deps, zone, recordId);
  requireManaged(doc, zone);
  // Route 53 deletes a record set only when given exactly as it stands: the last known ttl and values.
  return send(
    deps,
    actor,
    zone,
    {
      action: 'DELETE',
      record: { name: doc.name, type: doc.type as RecordType, ttl: doc.ttl ?? 300, values: doc.values },
    },
    { action: 'record.delete', resource: { type: 'record', id: doc._id, name: doc.name } },
    { wait, requestId },
  );
}

/** The machine's addresses of one kind and family, in the order the provider lists them. */
export function machineAddresses(
  machine: MachineDoc,
  address: 'public' | 'private',
  family: 'ipv4' | 'ipv6',
): string[] {
  const ips = address === 'public' ? machine.publicIps : machine.privateIps;
  return ips.filter((ip) =>
    family === 'ipv4' ? parseIPv4(ip) !== undefined : normalizeIPv6(ip) !== undefined,
  );
}

export async function upsertMachineRecord(
  deps: JobDeps,
  actor: Actor,
  machineId: string,
  body: {
    zoneId: string;
    name: string;
    address: 'public' | 'private';
    family: 'ipv4' | 'ipv6';
    ttl: number;
    wait: boolean;
  },
  requestId: string,
): Promise<Changed> {
  const machine = await findMachine(deps, actor.orgId, machineId);
  const zone = await findZone(deps, actor.orgId, body.zoneId);
  if (machine.missingSince) throw new UnprocessableError(`Machine ${machine.name} is missing from its cloud`);
  const values = machineAddresses(machine, body.address, body.family);
  if (values.length === 0) {
    throw unprocessable([
      {
        path: 'address',
        message: `machine ${machine.name} has no ${body.address} ${body.family === 'ipv4' ? 'IPv4' : 'IPv6'} address (it is ${machine.state})`,
      },
    ]);
  }
  const set = await prepare(deps, zone, {
    name: body.name,
    type: body.family === 'ipv4' ? 'A' : 'AAAA',
    ttl: body.ttl,
    values,
  });
  return send(
    deps,
    actor,
    zone,
    { action: 'UPSERT', record: set },
    { action: 'machine.dns', resource: { type: 'machine', id: machine._id, name: machine.name } },
    { wait: body.wait, requestId },
  );
}
