/**
 * An in-memory Cloud DNS (dns/v1) mounted on the fake Compute Engine's host, as Google serves both
 * APIs behind one endpoint override: the same token, the same injected faults, the same page size.
 * Paths and shapes follow the dns/v1 discovery document: managedZones (create, get, list, delete),
 * resourceRecordSets (rrsets list) and changes (create, get). A change applies to the zone's record
 * sets at once, as Cloud DNS does, and stays `pending` until settle(): that is propagation.
 */
import type { ServerResponse } from 'node:http';
import { isInZone } from '../../../lib/net/dns-name.js';
import type { GcpComputeFake } from './compute-fake.js';

export interface FakeRecordSet {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

export interface FakeChange {
  id: string;
  status: 'pending' | 'done';
  startTime: string;
  additions: FakeRecordSet[];
  deletions: FakeRecordSet[];
}

export interface FakeZone {
  id: string;
  name: string;
  dnsName: string;
  description: string;
  visibility: 'public' | 'private';
  /** Network URLs a private zone answers in. */
  networks: string[];
  creationTime: string;
  /** By `name|type`. */
  rrsets: Map<string, FakeRecordSet>;
  changes: FakeChange[];
}

export const DNS_BASE = '/dns/v1/projects/';
const ZONE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const key = (r: { name: string; type: string }) => `${r.name}|${r.type}`;
const same = (a: FakeRecordSet, b: FakeRecordSet) =>
  a.ttl === b.ttl && a.rrdatas.length === b.rrdatas.length && a.rrdatas.every((d, i) => d === b.rrdatas[i]);

export class GcpDnsFake {
  readonly zones = new Map<string, FakeZone>(); // by name
  private seq = 0;

  constructor(private readonly host: GcpComputeFake) {
    host.mount('/dns/v1/', (res, url, method, body) => this.route(res, url, method, body));
  }

  /** Every pending change turns done (the name servers caught up). */
  settle() {
    for (const z of this.zones.values()) for (const c of z.changes) c.status = 'done';
  }

  zone(nameOrId: string): FakeZone | undefined {
    return this.zones.get(nameOrId) ?? [...this.zones.values()].find((z) => z.id === nameOrId);
  }

  /** A zone made outside Nimbo, with its apex SOA and NS as Cloud DNS makes them. */
  seedZone(name: string, dnsName: string, overrides: Partial<FakeZone> = {}): FakeZone {
    const n = ++this.seq;
    const creationTime = new Date(Date.UTC(2026, 0, 2, 3, 4, n)).toISOString();
    const defaults = { description: '', visibility: 'public' as const, networks: [], creationTime };
    const fresh = { rrsets: new Map<string, FakeRecordSet>(), changes: [] as FakeChange[] };
    const zone: FakeZone = {
      id: String(4_000_000_000 + n),
      name,
      dnsName,
      ...defaults,
      ...fresh,
      ...overrides,
    };
    const ns = [1, 2, 3, 4].map((i) => `ns-cloud-a${i}.googledomains.com.`);
    const soa = `${ns[0]} cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300`;
    const apex = [
      { name: dnsName, type: 'SOA', ttl: 21600, rrdatas: [soa] },
      { name: dnsName, type: 'NS', ttl: 21600, rrdatas: ns },
    ];
    for (const r of apex) zone.rrsets.set(key(r), r);
    zone.changes.push({
      id: '0',
      status: 'done',
      startTime: zone.creationTime,
      additions: apex,
      deletions: [],
    });
    this.zones.set(name, zone);
    return zone;
  }

  /** A record set put straight into a zone, as if changed outside Nimbo. */
  seedRecord(zone: FakeZone, r: FakeRecordSet) {
    zone.rrsets.set(key(r), r);
  }

  private zoneJson(z: FakeZone) {
    const ns = z.rrsets.get(key({ name: z.dnsName, type: 'NS' }))?.rrdatas ?? [];
    return {
      kind: 'dns#managedZone',
      id: z.id,
      name: z.name,
      dnsName: z.dnsName,
      description: z.description,
      visibility: z.visibility,
      nameServers: ns,
      creationTime: z.creationTime,
      ...(z.visibility === 'private'
        ? {
            privateVisibilityConfig: {
              kind: 'dns#managedZonePrivateVisibilityConfig',
              networks: z.networks.map((networkUrl) => ({
                kind: 'dns#managedZonePrivateVisibilityConfigNetwork',
                networkUrl,
              })),
            },
          }
        : {}),
    };
  }

  private changeJson(c: FakeChange) {
    const sets = (l: FakeRecordSet[]) => l.map((r) => ({ kind: 'dns#resourceRecordSet', ...r }));
    return {
      kind: 'dns#change',
      id: c.id,
      status: c.status,
      startTime: c.startTime,
      isServing: c.status === 'done',
      additions: sets(c.additions),
      deletions: sets(c.deletions),
    };
  }

  private route(res: ServerResponse, url: URL, method: string, body: Record<string, unknown>) {
    const host = this.host;
    const [project, collection, zoneRef, sub, id, ...rest] = url.pathname.slice(DNS_BASE.length).split('/');
    if (
      !url.pathname.startsWith(DNS_BASE) ||
      project !== host.project ||
      collection !== 'managedZones' ||
      rest.length
    ) {
      return host.error(
        res,
        404,
        'notFound',
        `The requested URL ${url.pathname} was not found on this server.`,
      );
    }
    if (!zoneRef) {
      if (method === 'POST') return this.createZone(res, body);
      const filter = url.searchParams.get('dnsName');
      const all = [...this.zones.values()].filter((z) => !filter || z.dnsName === filter);
      return host.page(
        res,
        url,
        all.map((z) => this.zoneJson(z)),
        (managedZones) => ({
          kind: 'dns#managedZonesListResponse',
          managedZones,
        }),
      );
    }
    const zone = this.zone(zoneRef);
    if (!zone) {
      return this.missing(res, 'managedZone', zoneRef);
    }
    if (!sub && method === 'GET') return host.send(res, 200, this.zoneJson(zone));
    if (!sub && method === 'DELETE') return this.deleteZone(res, zone);
    if (sub === 'rrsets' && !id && method === 'GET') {
      const name = url.searchParams.get('name');
      const type = url.searchParams.get('type');
      const all = [...zone.rrsets.values()]
        .filter((r) => (!name || r.name === name) && (!type || r.type === type))
        .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
      return host.page(
        res,
        url,
        all.map((r) => ({ kind: 'dns#resourceRecordSet', ...r })),
        (rrsets) => ({
          kind: 'dns#resourceRecordSetsListResponse',
          rrsets,
        }),
      );
    }
    if (sub === 'changes' && !id && method === 'POST') return this.createChange(res, zone, body);
    if (sub === 'changes' && id && method === 'GET') {
      const change = zone.changes.find((c) => c.id === id);
      if (!change) {
        return this.missing(res, 'changeId', id);
      }
      return host.send(res, 200, this.changeJson(change));
    }
    return host.error(
      res,
      404,
      'notFound',
      `The requested URL ${url.pathname} was not found on this server.`,
    );
  }

  /** Cloud DNS's words for a path parameter that names nothing. */
  private missing(res: ServerResponse, parameter: string, value: string) {
    const message = `The 'parameters.${parameter}' resource named '${value}' does not exist.`;
    return this.host.error(res, 404, 'notFound', message);
  }

  private createZone(res: ServerResponse, body: Record<string, unknown>) {
    const host = this.host;
    const name = String(body.name ?? '');
    const dnsName = String(body.dnsName ?? '');
    if (!ZONE_NAME.test(name)) {
      return host.error(res, 400, 'invalid', `Invalid value for 'entity.managedZone.name': '${name}'`);
    }
    if (!dnsName.endsWith('.') || dnsName !== dnsName.toLowerCase()) {
      return host.error(res, 400, 'invalid', `Invalid value for 'entity.managedZone.dnsName': '${dnsName}'`);
    }
    if (this.zones.has(name)) {
      return host.error(
        res,
        409,
        'alreadyExists',
        `The resource 'entity.managedZone' named '${name}' already exists`,
      );
    }
    const visibility = body.visibility === 'private' ? 'private' : 'public';
    const config = body.privateVisibilityConfig as { networks?: { networkUrl?: string }[] } | undefined;
    const networks = (config?.networks ?? []).map((n) => String(n.networkUrl ?? ''));
    for (const n of networks) {
      // A network of this project that exists, named by its URL (Cloud DNS checks it with Compute Engine).
      const m = /\/projects\/([^/]+)\/global\/networks\/([^/]+)$/.exec(n);
      if (!m || m[1] !== host.project || !host.vpc.network(m[2]!)) {
        return host.error(
          res,
          400,
          'invalid',
          `Invalid value for 'entity.managedZone.privateVisibilityConfig.networks[0].networkUrl': '${n}'`,
        );
      }
    }
    if (visibility === 'private' && networks.length === 0) {
      return host.error(
        res,
        400,
        'invalid',
        'A private zone needs at least one network in privateVisibilityConfig.',
      );
    }
    const zone = this.seedZone(name, dnsName, {
      description: String(body.description ?? ''),
      visibility,
      networks,
      creationTime: new Date().toISOString(),
    });
    return host.send(res, 200, this.zoneJson(zone));
  }

  private deleteZone(res: ServerResponse, zone: FakeZone) {
    const own = (r: FakeRecordSet) => r.name === zone.dnsName && (r.type === 'SOA' || r.type === 'NS');
    if ([...zone.rrsets.values()].some((r) => !own(r))) {
      return this.host.error(
        res,
        400,
        'containerNotEmpty',
        `The resource named '${zone.name}' cannot be deleted because it is not empty`,
      );
    }
    this.zones.delete(zone.name);
    res.writeHead(204);
    res.end();
  }

  /**
   * Cloud DNS's checks, in its words: a deletion names the record set exactly as it is (absent: 404
   * notFound; different: 412 conditionNotMet), an addition may not exist already once the deletions are
   * done (409 alreadyExists), and every name lies in the zone. All or nothing.
   */
  private createChange(res: ServerResponse, zone: FakeZone, body: Record<string, unknown>) {
    const host = this.host;
    const list = (v: unknown) => (Array.isArray(v) ? v : []) as Partial<FakeRecordSet>[];
    const norm = (r: Partial<FakeRecordSet>): FakeRecordSet => ({
      name: String(r.name ?? ''),
      type: String(r.type ?? ''),
      ttl: Number(r.ttl ?? 0),
      rrdatas: (r.rrdatas ?? []).map(String),
    });
    const additions = list(body.additions).map(norm);
    const deletions = list(body.deletions).map(norm);
    if (!additions.length && !deletions.length) {
      return host.error(res, 400, 'required', 'The change must have additions or deletions.');
    }
    const after = new Map(zone.rrsets);
    for (const [i, d] of deletions.entries()) {
      const current = after.get(key(d));
      const what = `'entity.change.deletions[${i}]' resource named '${d.name} (${d.type})'`;
      if (!current) return host.error(res, 404, 'notFound', `The ${what} does not exist.`);
      if (!same(current, d))
        return host.error(res, 412, 'conditionNotMet', `Precondition not met for ${what}`);
      after.delete(key(d));
    }
    for (const [i, a] of additions.entries()) {
      const what = `'entity.change.additions[${i}]' named '${a.name} (${a.type})'`;
      if (!isInZone(a.name, zone.dnsName) || !a.name.endsWith('.')) {
        return host.error(res, 400, 'invalid', `The resource ${what} is not in the zone '${zone.dnsName}'`);
      }
      if (!a.rrdatas.length || a.ttl < 0) {
        return host.error(res, 400, 'invalid', `The resource ${what} needs rrdatas and a ttl`);
      }
      if (after.has(key(a)))
        return host.error(res, 409, 'alreadyExists', `The resource ${what} already exists`);
      after.set(key(a), a);
    }
    zone.rrsets.clear();
    for (const [k, r] of after) zone.rrsets.set(k, r);
    const change: FakeChange = {
      id: String(zone.changes.length),
      status: 'pending',
      startTime: new Date().toISOString(),
      additions,
      deletions,
    };
    zone.changes.push(change);
    return host.send(res, 200, this.changeJson(change));
  }
}
