/**
 * The DigitalOcean DNS driver against the v2 API's fake: how DigitalOcean's one-record-per-value
 * domain records become Route 53-style record sets and back (relative names, host names with and
 * without the trailing dot, MX/SRV/CAA fields, TXT quoting), what each change sends, and that a batch
 * refused for one change writes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigitalOceanDnsDriver } from '../../../lib/providers/digitalocean/dns.js';
import type { RecordChange, RecordSet } from '../../../lib/providers/dns.js';
import {
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';
import { addDomain } from '../../fakes/digitalocean/dns-routes.js';
import { type DigitalOceanWorld, digitalOceanWorld } from '../../fakes/digitalocean/world.js';

let w: DigitalOceanWorld;
let driver: DigitalOceanDnsDriver;

beforeEach(async () => {
  w = await digitalOceanWorld();
  driver = new DigitalOceanDnsDriver(w.config, w.deps);
});
afterEach(() => w.close());

const change = (action: RecordChange['action'], record: RecordSet): RecordChange => ({ action, record });
const writes = () => w.fake.requests.filter((r) => r.method !== 'GET');
const rec = (name: string, type: RecordSet['type'], values: string[], ttl = 300): RecordSet => ({
  name,
  type,
  ttl,
  values,
});

describe('zones', () => {
  it('creates a domain by its bare name and answers it fully qualified, applied at once', async () => {
    const { zone, change: status } = await driver.createZone({ name: 'Example.COM.', private: false });
    expect(w.fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v2/domains',
      body: { name: 'example.com' },
    });
    expect(zone).toEqual({
      externalId: 'example.com',
      name: 'example.com.',
      private: false,
      comment: null,
      recordCount: null,
      vpcs: [],
    });
    expect(status.status).toBe('INSYNC');
    expect(status.id).toMatch(/^digitalocean-/);
    expect(await driver.getChange(status.id)).toEqual(status);
  });

  it('answers a domain the account holds already as a conflict', async () => {
    addDomain(w.fake, 'example.com');
    await expect(driver.createZone({ name: 'example.com.', private: false })).rejects.toBeInstanceOf(
      ProviderConflictError,
    );
  });

  it('refuses a private zone before any call', async () => {
    await expect(
      driver.createZone({
        name: 'internal.example.com.',
        private: true,
        vpc: { region: 'fra1', vpcId: 'x' },
      }),
    ).rejects.toBeInstanceOf(ProviderRejectedError);
    expect(w.fake.requests).toEqual([]);
  });

  it('does not know a change id of another shape', async () => {
    for (const id of ['C2682N5HXP0BZ4', 'azure-0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'digitalocean-1']) {
      await expect(driver.getChange(id)).rejects.toBeInstanceOf(ProviderNotFoundError);
    }
  });
});

describe('records', () => {
  it('lists the apex SOA and NS as sets, names and hosts fully qualified', async () => {
    addDomain(w.fake, 'example.com');
    const sets = await driver.listRecords('example.com');
    expect(sets).toEqual([
      { name: 'example.com.', type: 'SOA', ttl: 1800, values: ['1800'], alias: null, setIdentifier: null },
      {
        name: 'example.com.',
        type: 'NS',
        ttl: 1800,
        values: ['ns1.digitalocean.com.', 'ns2.digitalocean.com.', 'ns3.digitalocean.com.'],
        alias: null,
        setIdentifier: null,
      },
    ]);
  });

  it('writes one record per value: relative names, hosts with the trailing dot, MX/SRV/CAA fields, bare TXT', async () => {
    addDomain(w.fake, 'example.com');
    await driver.changeRecords('example.com', [
      change('CREATE', rec('example.com.', 'MX', ['10 mail.example.com.'], 3600)),
      change('CREATE', rec('app.example.com.', 'CNAME', ['example.com.'])),
      change('CREATE', rec('_sip._tcp.example.com.', 'SRV', ['10 5 5060 sip.example.com.'])),
      change('CREATE', rec('example.com.', 'CAA', ['0 issue "letsencrypt.org"'])),
      change('CREATE', rec('txt.example.com.', 'TXT', ['"v=spf1 \\"quoted\\" -all"'])),
    ]);
    const bodies = writes().map((r) => r.body as Record<string, unknown>);
    expect(bodies.map((b) => [b.type, b.name, b.data])).toEqual([
      ['MX', '@', 'mail.example.com.'],
      ['CNAME', 'app', 'example.com.'],
      ['SRV', '_sip._tcp', 'sip.example.com.'],
      ['CAA', '@', 'letsencrypt.org'],
      ['TXT', 'txt', 'v=spf1 "quoted" -all'],
    ]);
    expect(bodies[0]).toMatchObject({ priority: 10, ttl: 3600 });
    expect(bodies[2]).toMatchObject({ priority: 10, weight: 5, port: 5060 });
    expect(bodies[3]).toMatchObject({ flags: 0, tag: 'issue' });
    const sets = new Map(
      (await driver.listRecords('example.com')).map((s) => [`${s.name}|${s.type}`, s.values]),
    );
    expect(sets.get('example.com.|MX')).toEqual(['10 mail.example.com.']);
    expect(sets.get('app.example.com.|CNAME')).toEqual(['example.com.']);
    expect(sets.get('_sip._tcp.example.com.|SRV')).toEqual(['10 5 5060 sip.example.com.']);
    expect(sets.get('example.com.|CAA')).toEqual(['0 issue "letsencrypt.org"']);
    expect(sets.get('txt.example.com.|TXT')).toEqual(['"v=spf1 \\"quoted\\" -all"']);
  });

  it('reads "@" as a host the domain itself', async () => {
    const domain = addDomain(w.fake, 'example.com');
    domain.records.push({ ...domain.records[1]!, id: 1, type: 'CNAME', name: 'www', data: '@' });
    const sets = await driver.listRecords('example.com');
    expect(sets.find((s) => s.type === 'CNAME')?.values).toEqual(['example.com.']);
  });

  it('makes a set equal on UPSERT: new values created, TTLs updated, extra values deleted', async () => {
    addDomain(w.fake, 'example.com');
    await driver.changeRecords('example.com', [
      change('CREATE', rec('www.example.com.', 'A', ['127.0.0.1', '127.0.0.2'])),
    ]);
    const before = w.fake.domains.get('example.com')!.records.filter((r) => r.type === 'A');
    w.fake.requests.length = 0;
    await driver.changeRecords('example.com', [
      change('UPSERT', rec('www.example.com.', 'A', ['127.0.0.2', '127.0.0.3'], 600)),
    ]);
    const kept = before.find((r) => r.data === '127.0.0.2')!;
    const gone = before.find((r) => r.data === '127.0.0.1')!;
    expect(writes().map((r) => [r.method, r.path])).toEqual([
      ['DELETE', `/v2/domains/example.com/records/${gone.id}`],
      ['PUT', `/v2/domains/example.com/records/${kept.id}`],
      ['POST', '/v2/domains/example.com/records'],
    ]);
    const a = (await driver.listRecords('example.com')).find((s) => s.type === 'A');
    expect(a).toMatchObject({ ttl: 600, values: ['127.0.0.2', '127.0.0.3'] });
  });

  it('refuses a whole batch when one change cannot apply, and writes nothing', async () => {
    addDomain(w.fake, 'example.com');
    await driver.changeRecords('example.com', [
      change('CREATE', rec('www.example.com.', 'A', ['127.0.0.1'])),
    ]);
    w.fake.requests.length = 0;
    const refusals: Array<[RecordChange[], unknown]> = [
      [
        [
          change('CREATE', rec('new.example.com.', 'A', ['127.0.0.5'])),
          change('CREATE', rec('www.example.com.', 'A', ['127.0.0.9'])),
        ],
        ProviderConflictError,
      ],
      [[change('DELETE', rec('www.example.com.', 'A', ['127.0.0.9']))], ProviderConflictError],
      [[change('DELETE', rec('ghost.example.com.', 'A', ['127.0.0.1']))], ProviderNotFoundError],
      [[change('CREATE', rec('www.example.org.', 'A', ['127.0.0.1']))], ProviderRejectedError],
      [[change('CREATE', rec('www.example.com.', 'CNAME', ['example.com.']))], ProviderRejectedError],
    ];
    for (const [batch, kind] of refusals) {
      await expect(driver.changeRecords('example.com', batch)).rejects.toBeInstanceOf(kind);
    }
    expect(writes()).toEqual([]);
  });

  it('replaces a set by DELETE then CREATE in one batch', async () => {
    addDomain(w.fake, 'example.com');
    await driver.changeRecords('example.com', [
      change('CREATE', rec('www.example.com.', 'A', ['127.0.0.1'])),
    ]);
    await driver.changeRecords('example.com', [
      change('DELETE', rec('www.example.com.', 'A', ['127.0.0.1'])),
      change('CREATE', rec('www.example.com.', 'A', ['127.0.0.7'])),
    ]);
    const a = (await driver.listRecords('example.com')).find((s) => s.type === 'A');
    expect(a?.values).toEqual(['127.0.0.7']);
  });

  it('refuses to delete a domain holding records unless forced', async () => {
    addDomain(w.fake, 'example.com');
    await driver.changeRecords('example.com', [
      change('CREATE', rec('www.example.com.', 'A', ['127.0.0.1'])),
    ]);
    await expect(driver.deleteZone('example.com')).rejects.toBeInstanceOf(ProviderConflictError);
    await driver.deleteZone('example.com', { force: true });
    expect(w.fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/v2/domains/example.com' });
    expect(w.fake.domains.size).toBe(0);
  });

  it('answers ProviderNotFoundError for a domain DigitalOcean does not know', async () => {
    await expect(driver.listRecords('nope.example.com')).rejects.toBeInstanceOf(ProviderNotFoundError);
  });
});
