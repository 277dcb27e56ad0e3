/**
 * Zones and their RRSets in the Cloud API (docs.hetzner.cloud "Zones", "Zone RRSets"; hcloud-go
 * zone.go, zone_rrset.go): zone names without the trailing dot, RRSet names relative to the zone ("@"
 * for the apex), ids "name/type", and every change an action. A new primary zone holds its SOA and NS.
 */
import { HetznerHttpError } from './http-error.js';
import type { Route } from './route.js';
import type { FakeRrset, FakeState, FakeZone, Json } from './state.js';

export const FAKE_NAMESERVERS = [
  'hydrogen.ns.hetzner.com.',
  'oxygen.ns.hetzner.com.',
  'helium.ns.hetzner.de.',
];

function zoneJson(z: FakeZone): Json {
  return {
    id: z.id,
    name: z.name,
    created: z.created,
    ttl: z.ttl,
    mode: 'primary',
    primary_nameservers: [],
    protection: { delete: false },
    labels: {},
    authoritative_nameservers: {
      assigned: FAKE_NAMESERVERS,
      delegated: [],
      delegation_last_check: null,
      delegation_status: 'unknown',
    },
    registrar: 'other',
    status: 'ok',
    record_count: [...z.rrsets.values()].reduce((n, r) => n + r.records.length, 0),
  };
}

function rrsetJson(z: FakeZone, r: FakeRrset): Json {
  return {
    id: `${r.name}/${r.type}`,
    name: r.name,
    type: r.type,
    ttl: r.ttl,
    labels: {},
    protection: { change: false },
    records: r.records.map((x) => ({ value: x.value, comment: x.comment ?? '' })),
    zone: z.id,
  };
}

function rrset(z: FakeZone, name: string, type: string): FakeRrset {
  const r = z.rrsets.get(`${name}/${type}`);
  if (!r) throw new HetznerHttpError(404, 'not_found', `rrset ${name}/${type} not found`);
  return r;
}

function records(body: Json): FakeRrset['records'] {
  const list = (body.records as { value: string; comment?: string }[] | undefined) ?? [];
  if (!Array.isArray(list) || list.some((r) => typeof r?.value !== 'string')) {
    throw new HetznerHttpError(422, 'invalid_input', 'invalid input in field records');
  }
  return list.map((r) => ({ value: r.value, ...(r.comment ? { comment: r.comment } : {}) }));
}

function createZone(state: FakeState, body: Json) {
  const name = String(body.name ?? '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(name)) {
    throw new HetznerHttpError(422, 'invalid_input', 'invalid input in field name');
  }
  if ([...state.zones.values()].some((z) => z.name === name)) {
    throw new HetznerHttpError(409, 'uniqueness_error', 'zone name is already used');
  }
  const z: FakeZone = {
    id: state.nextId(),
    name,
    created: state.now(),
    ttl: Number(body.ttl ?? 3600),
    rrsets: new Map(),
  };
  z.rrsets.set('@/SOA', {
    name: '@',
    type: 'SOA',
    ttl: null,
    records: [{ value: `${FAKE_NAMESERVERS[0]} dns.hetzner.com. 2026120401 86400 10800 3600000 3600` }],
  });
  z.rrsets.set('@/NS', {
    name: '@',
    type: 'NS',
    ttl: null,
    records: FAKE_NAMESERVERS.map((value) => ({ value })),
  });
  state.zones.set(z.id, z);
  const action = state.action('create_zone', [{ id: z.id, type: 'zone' }]);
  return { status: 201, body: { zone: zoneJson(z), action } };
}

const RRSET = /^\/zones\/([^/]+)\/rrsets\/([^/]+)\/([A-Z]+)$/;
const RRSET_ACTION = /^\/zones\/([^/]+)\/rrsets\/([^/]+)\/([A-Z]+)\/actions\/(set_records|change_ttl)$/;

export const dnsRoutes: Route[] = [
  [
    'GET',
    /^\/zones$/,
    ({ state, query }) => {
      const name = query.get('name');
      const all = [...state.zones.values()].filter((z) => !name || z.name === name);
      return { status: 200, body: state.page('zones', all.map(zoneJson), query) };
    },
  ],
  ['POST', /^\/zones$/, ({ state, body }) => createZone(state, body)],
  [
    'GET',
    /^\/zones\/([^/]+)$/,
    ({ state, params }) => ({ status: 200, body: { zone: zoneJson(state.zone(params[0]!)) } }),
  ],
  [
    'DELETE',
    /^\/zones\/([^/]+)$/,
    ({ state, params }) => {
      const z = state.zone(params[0]!);
      state.zones.delete(z.id);
      return { status: 201, body: { action: state.action('delete_zone', [{ id: z.id, type: 'zone' }]) } };
    },
  ],
  [
    'GET',
    /^\/zones\/([^/]+)\/rrsets$/,
    ({ state, params, query }) => {
      const z = state.zone(params[0]!);
      const all = [...z.rrsets.values()].map((r) => rrsetJson(z, r));
      return { status: 200, body: state.page('rrsets', all, query) };
    },
  ],
  [
    'POST',
    /^\/zones\/([^/]+)\/rrsets$/,
    ({ state, params, body }) => {
      const z = state.zone(params[0]!);
      const r: FakeRrset = {
        name: String(body.name),
        type: String(body.type),
        ttl: typeof body.ttl === 'number' ? body.ttl : null,
        records: records(body),
      };
      if (z.rrsets.has(`${r.name}/${r.type}`)) {
        throw new HetznerHttpError(409, 'uniqueness_error', `rrset ${r.name}/${r.type} already exists`);
      }
      z.rrsets.set(`${r.name}/${r.type}`, r);
      const action = state.action('create_rrset', [{ id: z.id, type: 'zone' }]);
      return { status: 201, body: { rrset: rrsetJson(z, r), action } };
    },
  ],
  [
    'GET',
    RRSET,
    ({ state, params }) => {
      const z = state.zone(params[0]!);
      return { status: 200, body: { rrset: rrsetJson(z, rrset(z, params[1]!, params[2]!)) } };
    },
  ],
  [
    'DELETE',
    RRSET,
    ({ state, params }) => {
      const z = state.zone(params[0]!);
      const r = rrset(z, params[1]!, params[2]!);
      z.rrsets.delete(`${r.name}/${r.type}`);
      return { status: 201, body: { action: state.action('delete_rrset', [{ id: z.id, type: 'zone' }]) } };
    },
  ],
  [
    'POST',
    RRSET_ACTION,
    ({ state, params, body }) => {
      const z = state.zone(params[0]!);
      const r = rrset(z, params[1]!, params[2]!);
      if (params[3] === 'set_records') r.records = records(body);
      else r.ttl = typeof body.ttl === 'number' ? body.ttl : null;
      return { status: 201, body: { action: state.action(params[3]!, [{ id: z.id, type: 'zone' }]) } };
    },
  ],
];
