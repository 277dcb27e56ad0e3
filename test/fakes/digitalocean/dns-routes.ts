/**
 * Domains and domain records of the DigitalOcean fake (domains/*.yml): a new domain holds its SOA and
 * three NS records at "@"; record names are relative to the domain ("@" the apex); host names are taken
 * fully qualified with their trailing dot and answered without it, as DigitalOcean lists its own
 * ns1.digitalocean.com; TXT data is the bare text. Each record is created, updated and deleted alone.
 */
import type { DigitalOceanFake, Route } from './fake.js';

export interface FakeRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  priority: number | null;
  port: number | null;
  ttl: number;
  weight: number | null;
  flags: number | null;
  tag: string | null;
}

export interface FakeDomain {
  name: string;
  ttl: number;
  records: FakeRecord[];
}

const TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'SRV', 'TXT'];
const HOST_TYPES = ['CNAME', 'MX', 'NS', 'SRV'];
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function record(fake: DigitalOceanFake, r: Omit<FakeRecord, 'id'>): FakeRecord {
  return { id: 28000000 + fake.nextId(), ...r };
}

const blank = { priority: null, port: null, weight: null, flags: null, tag: null };

export function addDomain(fake: DigitalOceanFake, name: string): FakeDomain {
  const domain: FakeDomain = {
    name,
    ttl: 1800,
    records: [
      record(fake, { type: 'SOA', name: '@', data: '1800', ttl: 1800, ...blank }),
      ...[1, 2, 3].map((n) =>
        record(fake, { type: 'NS', name: '@', data: `ns${n}.digitalocean.com`, ttl: 1800, ...blank }),
      ),
    ],
  };
  fake.domains.set(name, domain);
  return domain;
}

function domainJson(d: FakeDomain) {
  return { name: d.name, ttl: d.ttl, zone_file: null };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** The record the body describes, or DigitalOcean's words for refusing it. */
function recordFrom(body: Record<string, unknown>, old?: FakeRecord): Omit<FakeRecord, 'id'> | string {
  const type = String(body.type ?? old?.type ?? '');
  if (!TYPES.includes(type))
    return type === 'SOA' ? 'SOA records can only have their ttl changed' : 'Type is invalid';
  const name = String(body.name ?? old?.name ?? '@');
  if (name.endsWith('.') || !/^(@|[a-z0-9_*]([a-z0-9_.*-]*[a-z0-9_])?)$/i.test(name))
    return 'Name is invalid';
  let data = String(body.data ?? old?.data ?? '');
  if (!data) return 'Data needs to be present';
  if (HOST_TYPES.includes(type) && data !== '@') {
    if (!data.endsWith('.')) return 'Data needs to end with a dot (.)';
    data = data.slice(0, -1);
  }
  const ttl = num(body.ttl) ?? old?.ttl ?? 1800;
  if (ttl < 30) return 'TTL must be at least 30 seconds';
  const priority = num(body.priority) ?? old?.priority ?? null;
  if ((type === 'MX' || type === 'SRV') && priority === null) return 'Priority needs to be present';
  return {
    type,
    name: name.toLowerCase(),
    data,
    priority: type === 'MX' || type === 'SRV' ? priority : null,
    port: type === 'SRV' ? (num(body.port) ?? old?.port ?? null) : null,
    ttl,
    weight: type === 'SRV' ? (num(body.weight) ?? old?.weight ?? null) : null,
    flags: type === 'CAA' ? (num(body.flags) ?? old?.flags ?? 0) : null,
    tag: type === 'CAA' ? String(body.tag ?? old?.tag ?? '') : null,
  };
}

function cnameClash(domain: FakeDomain, r: Omit<FakeRecord, 'id'>, exceptId?: number): boolean {
  return domain.records.some(
    (o) =>
      o.id !== exceptId &&
      o.name === r.name &&
      (o.type === 'CNAME' || r.type === 'CNAME') &&
      o.type !== 'SOA',
  );
}

export const dnsRoutes: Route = (fake, ctx) => {
  const [top, name, sub, recordId] = ctx.parts;
  if (top !== 'domains') return false;
  const m = ctx.method;
  if (!name) {
    if (m === 'GET') return fake.page(ctx, 'domains', [...fake.domains.values()].map(domainJson));
    if (m !== 'POST') return false;
    const wanted = String(ctx.body.name ?? '').toLowerCase();
    if (!DOMAIN.test(wanted)) return fake.error(ctx.res, 422, 'unprocessable_entity', 'Name is invalid');
    if (fake.domains.has(wanted))
      return fake.error(ctx.res, 422, 'unprocessable_entity', 'Name already in use');
    return fake.json(ctx.res, 201, { domain: domainJson(addDomain(fake, wanted)) });
  }
  const domain = fake.domains.get(name.toLowerCase());
  if (!domain) return fake.error(ctx.res, 404);
  if (!sub) {
    if (m === 'GET') return fake.json(ctx.res, 200, { domain: domainJson(domain) });
    if (m === 'DELETE') {
      fake.domains.delete(domain.name);
      return fake.noContent(ctx.res);
    }
    return false;
  }
  if (sub !== 'records') return false;
  if (!recordId) {
    if (m === 'GET') return fake.page(ctx, 'domain_records', domain.records);
    if (m !== 'POST') return false;
    const r = recordFrom(ctx.body);
    if (typeof r === 'string') return fake.error(ctx.res, 422, 'unprocessable_entity', r);
    if (cnameClash(domain, r)) {
      return fake.error(
        ctx.res,
        422,
        'unprocessable_entity',
        'CNAME records cannot share a name with other records.',
      );
    }
    const made = record(fake, r);
    domain.records.push(made);
    return fake.json(ctx.res, 201, { domain_record: made });
  }
  const at = domain.records.findIndex((r) => String(r.id) === recordId);
  if (at < 0) return fake.error(ctx.res, 404);
  const old = domain.records[at]!;
  if (m === 'GET') return fake.json(ctx.res, 200, { domain_record: old });
  if (m === 'DELETE') {
    if (old.type === 'SOA')
      return fake.error(ctx.res, 422, 'unprocessable_entity', 'SOA records cannot be deleted');
    domain.records.splice(at, 1);
    return fake.noContent(ctx.res);
  }
  if (m === 'PUT' || m === 'PATCH') {
    const r = recordFrom({ ...ctx.body, type: old.type }, old);
    if (typeof r === 'string') return fake.error(ctx.res, 422, 'unprocessable_entity', r);
    const updated = { ...r, id: old.id };
    domain.records[at] = updated;
    return fake.json(ctx.res, 200, { domain_record: updated });
  }
  return false;
};
