/**
 * The fake's Azure DNS (Microsoft.Network/dnsZones, arm-fake.ts), with the wire shapes of dns.json
 * (api-version 2018-05-01, what @azure/arm-dns 5.1 sends): zones with their apex SOA and NS made on
 * create, typed record sets (ARecords, MXRecords, TXTRecords, CNAMERecord, SOARecord, caaRecords, ...)
 * named relative to the zone ('@' the apex), etags with If-Match / If-None-Match answered 412
 * PreconditionFailed, DELETE of anything absent answered 204, zone deletion a long-running operation.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteMatcher } from './arm-disk-routes.js';
import type { ArmFake } from './arm-fake.js';

export interface FakeRecordSet {
  name: string;
  type: string;
  ttl: number;
  etag: string;
  /** The typed records as ARM holds them: { ARecords: [...] }, { CNAMERecord: {...} }, ... */
  records: Record<string, unknown>;
}

export interface FakeZone {
  id: string;
  name: string;
  resourceGroup: string;
  tags: Record<string, string>;
  etag: string;
  zoneType: 'Public' | 'Private';
  /** By "TYPE|relative name" (lowercase name). */
  recordSets: Map<string, FakeRecordSet>;
}

/** The property that carries each type's records in a record set (dns.json RecordSetProperties). */
export const RECORD_PROPERTY: Record<string, string> = {
  A: 'ARecords',
  AAAA: 'AAAARecords',
  CAA: 'caaRecords',
  CNAME: 'CNAMERecord',
  MX: 'MXRecords',
  NS: 'NSRecords',
  PTR: 'PTRRecords',
  SOA: 'SOARecord',
  SRV: 'SRVRecords',
  TXT: 'TXTRecords',
};

const NAME_SERVERS = ['ns1-01.azure-dns.com.', 'ns2-01.azure-dns.net.', 'ns3-01.azure-dns.org.'];
const LIST_ALL = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/dnszones$/i;
const ZONE_PATH =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/i;

const key = (type: string, name: string) => `${type}|${name.toLowerCase()}`;
const etag = () => randomUUID();

export function zoneId(fake: ArmFake, group: string, name: string): string {
  return `${fake.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Network/dnszones/${name}`;
}

export function zoneJson(z: FakeZone) {
  return {
    id: z.id,
    name: z.name,
    type: 'Microsoft.Network/dnszones',
    location: 'global',
    tags: z.tags,
    etag: z.etag,
    properties: {
      maxNumberOfRecordSets: 10000,
      maxNumberOfRecordsPerRecordSet: 20,
      numberOfRecordSets: z.recordSets.size,
      nameServers: NAME_SERVERS,
      zoneType: z.zoneType,
    },
  };
}

export function recordSetJson(z: FakeZone, r: FakeRecordSet) {
  return {
    id: `${z.id}/${r.type}/${r.name}`,
    name: r.name,
    type: `Microsoft.Network/dnszones/${r.type}`,
    etag: r.etag,
    properties: {
      TTL: r.ttl,
      fqdn: r.name === '@' ? `${z.name}.` : `${r.name}.${z.name}.`,
      provisioningState: 'Succeeded',
      ...r.records,
    },
  };
}

/** A zone as Azure makes it: its apex SOA and NS record sets come with it. */
export function seedZone(
  fake: ArmFake,
  z: { resourceGroup: string; name: string } & Partial<Omit<FakeZone, 'recordSets'>>,
): FakeZone {
  const zone: FakeZone = {
    id: zoneId(fake, z.resourceGroup, z.name),
    tags: {},
    etag: etag(),
    zoneType: 'Public',
    recordSets: new Map(),
    ...z,
  };
  fake.resourceGroups.set(
    z.resourceGroup.toLowerCase(),
    fake.resourceGroups.get(z.resourceGroup.toLowerCase()) ?? 'westeurope',
  );
  const apex = (type: string, ttl: number, records: Record<string, unknown>) =>
    zone.recordSets.set(key(type, '@'), { name: '@', type, ttl, etag: etag(), records });
  apex('SOA', 3600, {
    SOARecord: {
      host: NAME_SERVERS[0],
      email: 'azuredns-hostmaster.microsoft.com',
      serialNumber: 1,
      refreshTime: 3600,
      retryTime: 300,
      expireTime: 2419200,
      minimumTTL: 300,
    },
  });
  apex('NS', 172800, { NSRecords: NAME_SERVERS.map((nsdname) => ({ nsdname })) });
  fake.zones.set(zone.id.toLowerCase(), zone);
  return zone;
}

export function seedRecordSet(
  zone: FakeZone,
  r: { name: string; type: string; ttl?: number; records: Record<string, unknown> },
): FakeRecordSet {
  const set = { ttl: 3600, etag: etag(), ...r };
  zone.recordSets.set(key(r.type, r.name), set);
  return set;
}

function precondition(fake: ArmFake, req: IncomingMessage, res: ServerResponse, header: string) {
  fake.error(
    res,
    req,
    412,
    'PreconditionFailed',
    `The condition '${req.headers[header]}' in the ${header === 'if-match' ? 'If-Match' : 'If-None-Match'} header was not satisfied.`,
  );
}

export const dnsRoute: RouteMatcher = (fake, method, path, query, body) => {
  if (method === 'GET' && LIST_ALL.test(path)) {
    return (req, res) => fake.sendPage(res, req, query, fake.zones.values(), zoneJson);
  }
  const m = ZONE_PATH.exec(path);
  if (!m) return undefined;
  const [, group, zoneName, typeOrList, rawName] = m as unknown as [string, string, string, string?, string?];
  const zone = fake.zones.get(zoneId(fake, group, zoneName).toLowerCase());
  const missing = (req: IncomingMessage, res: ServerResponse) =>
    fake.notFound(res, req, 'Microsoft.Network/dnszones', group, zoneName);
  if (!typeOrList) {
    if (method === 'PUT') {
      return (req, res) => {
        if (!fake.requireGroup(res, req, group)) return;
        if (zone && req.headers['if-none-match'] === '*')
          return precondition(fake, req, res, 'if-none-match');
        const made = zone ?? seedZone(fake, { resourceGroup: group, name: zoneName.toLowerCase() });
        made.tags = (body.tags as Record<string, string>) ?? {};
        made.etag = etag();
        fake.send(res, req, zone ? 200 : 201, zoneJson(made));
      };
    }
    if (method === 'DELETE' && !zone) return (req, res) => fake.send(res, req, 204, undefined);
    if (!zone) return missing;
    if (method === 'GET') return (req, res) => fake.send(res, req, 200, zoneJson(zone));
    if (method === 'DELETE') {
      return (req, res) =>
        fake.startOperation(
          res,
          req,
          'global',
          { apply: () => fake.zones.delete(zone.id.toLowerCase()) },
          202,
          undefined,
          'Microsoft.Network',
        );
    }
    return undefined;
  }
  if (!zone) return missing;
  const type = typeOrList.toUpperCase();
  if (!rawName) {
    if (method !== 'GET') return undefined;
    const every = typeOrList === 'all' || typeOrList === 'recordsets';
    if (!every && !RECORD_PROPERTY[type]) return undefined;
    return (req, res) => {
      const sets = [...zone.recordSets.values()].filter((r) => every || r.type === type);
      fake.sendPage(
        res,
        req,
        query,
        sets.map((r) => recordSetJson(zone, r)),
        (json) => json,
      );
    };
  }
  const property = RECORD_PROPERTY[type];
  if (!property) return undefined;
  const name = decodeURIComponent(rawName);
  const existing = zone.recordSets.get(key(type, name));
  if (method === 'GET') {
    return (req, res) =>
      existing
        ? fake.send(res, req, 200, recordSetJson(zone, existing))
        : fake.error(
            res,
            req,
            404,
            'NotFound',
            `The resource record '${name}' does not exist in resource group '${group}' of subscription '${fake.subscriptionPath.split('/')[2]}'.`,
          );
  }
  if (method === 'PUT') return (req, res) => putRecordSet(fake, req, res, zone, type, name, body);
  if (method === 'DELETE') {
    return (req, res) => {
      if (!existing) return fake.send(res, req, 204, undefined);
      const ifMatch = req.headers['if-match'];
      if (ifMatch && ifMatch !== '*' && ifMatch !== existing.etag)
        return precondition(fake, req, res, 'if-match');
      if (type === 'SOA' || (type === 'NS' && name === '@')) {
        return fake.error(
          res,
          req,
          400,
          'BadRequest',
          `The ${type} record set at the zone apex cannot be deleted.`,
        );
      }
      zone.recordSets.delete(key(type, name));
      fake.send(res, req, 200, undefined);
    };
  }
  return undefined;
};

function putRecordSet(
  fake: ArmFake,
  req: IncomingMessage,
  res: ServerResponse,
  zone: FakeZone,
  type: string,
  name: string,
  body: Record<string, unknown>,
) {
  const existing = zone.recordSets.get(key(type, name));
  if (existing && req.headers['if-none-match'] === '*') return precondition(fake, req, res, 'if-none-match');
  const ifMatch = req.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && ifMatch !== existing?.etag)
    return precondition(fake, req, res, 'if-match');
  if (type === 'SOA' && !existing) {
    return fake.error(res, req, 400, 'BadRequest', 'Record sets of type SOA cannot be created.');
  }
  const props = (body.properties ?? {}) as Record<string, unknown>;
  const property = RECORD_PROPERTY[type]!;
  const records = props[property];
  if (records === undefined || (Array.isArray(records) && records.length === 0)) {
    return fake.error(res, req, 400, 'BadRequest', `The record set of type ${type} has no ${property}.`);
  }
  const set = seedRecordSet(zone, {
    name: existing?.name ?? name,
    type,
    ttl: typeof props.TTL === 'number' ? props.TTL : 3600,
    records: { [property]: records },
  });
  fake.send(res, req, existing ? 200 : 201, recordSetJson(zone, set));
}
