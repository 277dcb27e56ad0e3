/** The GCP dns driver: Cloud DNS through the official @google-cloud/dns library against the fake. */
import { describe, expect, it } from 'vitest';
import type { RecordChange, RecordSet } from '../../../lib/providers/dns.js';
import * as E from '../../../lib/providers/errors.js';
import { GcpDnsDriver } from '../../../lib/providers/gcp/dns.js';
import { GcpDnsFake } from '../../fakes/gcp/dns-fake.js';
import { credentials, keyLines, preloadGcpSdks, useFake } from './fixtures.js';

preloadGcpSdks();
const ctx = useFake();

function setup(maxAttempts = 3, callTimeoutMs?: number) {
  const dns = new GcpDnsFake(ctx.fake);
  const sleeps: number[] = [];
  const driver = new GcpDnsDriver(
    { cloudId: 'cloud-gcp', regions: ['europe-west1'], credentials, endpoint: ctx.endpoint },
    { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts, callTimeoutMs },
  );
  return { dns, driver, sleeps };
}

const set = (name: string, type: RecordSet['type'], values: string[], ttl = 300): RecordSet => ({
  name,
  type,
  ttl,
  values,
});
const create = (record: RecordSet): RecordChange => ({ action: 'CREATE', record });
/** A zone example.com. holding www.example.com. A 192.0.2.1 (ttl 60), made outside Nimbo. */
function zoneWithWww(dns: GcpDnsFake) {
  const z = dns.seedZone('zone-a', 'example.com.');
  dns.seedRecord(z, { name: 'www.example.com.', type: 'A', ttl: 60, rrdatas: ['192.0.2.1'] });
  return z;
}

const dnsCalls = (path: RegExp) => ctx.fake.requests.filter((r) => path.test(r)).length;

describe('zones', () => {
  it('creates a public zone under a fully qualified lowercase name, INSYNC at once', async () => {
    const { dns, driver } = setup();
    const { zone, change } = await driver.createZone({ name: 'Example.COM', private: false, comment: 'web' });
    const stored = [...dns.zones.values()][0]!;
    expect(stored).toMatchObject({ dnsName: 'example.com.', visibility: 'public', description: 'web' });
    expect(stored.name).toMatch(/^nimbo-example-com-[0-9a-f]{8}$/);
    expect(zone).toEqual({
      externalId: stored.id,
      name: 'example.com.',
      private: false,
      comment: 'web',
      recordCount: null,
      vpcs: [],
    });
    expect(change.status).toBe('INSYNC');
    await expect(driver.getChange(change.id)).resolves.toMatchObject({ status: 'INSYNC' });
  });

  it('creates a private zone answering in a VPC network named by the network driver, or by its URL', async () => {
    ctx.fake.vpc.seedNetwork('net-dns');
    const { dns, driver } = setup();
    const vpc = { region: 'global', vpcId: 'net-dns' };
    const byName = await driver.createZone({ name: 'a.internal', private: true, vpc });
    expect(byName.zone).toMatchObject({ private: true, vpcs: [vpc] });
    const url = ctx.fake.url('global/networks/net-dns');
    const byUrl = await driver.createZone({ name: 'b.internal', private: true, vpc: { ...vpc, vpcId: url } });
    expect(byUrl.zone.vpcs).toEqual([vpc]);
    expect([...dns.zones.values()].map((z) => z.networks)).toEqual([[url], [url]]);
  });

  it('refuses a private zone without a network, or in a network that does not exist', async () => {
    const { driver } = setup();
    await expect(driver.createZone({ name: 'a.internal', private: true })).rejects.toBeInstanceOf(
      E.ProviderRejectedError,
    );
    const vpc = { region: 'global', vpcId: 'nope' };
    await expect(driver.createZone({ name: 'a.internal', private: true, vpc })).rejects.toBeInstanceOf(
      E.ProviderRejectedError,
    );
  });

  it('lists every zone across pages', async () => {
    const { dns, driver } = setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) dns.seedZone(`zone-${n}`, `${n}.example.com.`);
    const zones = await driver.listZones();
    expect(zones.map((z) => z.name)).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `${n}.example.com.`));
    expect(dnsCalls(/GET \/dns\/v1\/projects\/nimbo-test\/managedZones$/)).toBe(3);
  });

  it('refuses to delete a zone that holds records, then deletes it with force', async () => {
    const { dns, driver } = setup();
    const z = zoneWithWww(dns);
    dns.seedRecord(z, { name: 'example.com.', type: 'MX', ttl: 60, rrdatas: ['10 mail.example.com.'] });
    await expect(driver.deleteZone(z.id)).rejects.toThrow(E.ProviderConflictError);
    expect(dns.zones.size).toBe(1);
    const change = await driver.deleteZone(z.id, { force: true });
    expect(change.status).toBe('INSYNC');
    expect(dns.zones.size).toBe(0);
    await expect(driver.getChange(change.id)).resolves.toMatchObject({ status: 'INSYNC' });
    await expect(driver.listRecords(z.id)).rejects.toBeInstanceOf(E.ProviderNotFoundError);
  });

  it('empties a large zone in changes of at most 100 deletions', async () => {
    const { dns, driver } = setup();
    const z = dns.seedZone('zone-a', 'example.com.');
    for (let i = 0; i < 150; i++) {
      dns.seedRecord(z, { name: `h${i}.example.com.`, type: 'A', ttl: 60, rrdatas: ['192.0.2.1'] });
    }
    ctx.fake.pageSize = 500;
    await driver.deleteZone(z.name, { force: true });
    expect(dnsCalls(/POST .*\/changes$/)).toBe(2);
    expect(dns.zones.size).toBe(0);
  });

  it('answers not found for an unknown zone', async () => {
    const { driver } = setup();
    await expect(driver.deleteZone('nope')).rejects.toBeInstanceOf(E.ProviderNotFoundError);
    await expect(driver.listRecords('nope')).rejects.toBeInstanceOf(E.ProviderNotFoundError);
    await expect(
      driver.changeRecords('nope', [create(set('a.example.com.', 'A', ['192.0.2.1']))]),
    ).rejects.toBeInstanceOf(E.ProviderNotFoundError);
  });
});

describe('records', () => {
  it('creates A, AAAA, CNAME, MX and TXT sets in one change, values in their text form', async () => {
    const { dns, driver } = setup();
    const z = dns.seedZone('zone-a', 'example.com.');
    const sets = [
      set('www.example.com', 'A', ['192.0.2.1', '192.0.2.2']),
      set('www.example.com.', 'AAAA', ['2001:db8::1']),
      set('blog.example.com.', 'CNAME', ['www.example.com.']),
      set('example.com.', 'MX', ['10 mail.example.com.', '20 mx2.example.com.']),
      set('example.com.', 'TXT', ['"v=spf1 -all"', '"two" "strings"']),
    ];
    const change = await driver.changeRecords(z.id, sets.map(create));
    expect(change).toMatchObject({ id: `${z.id}/1`, status: 'PENDING' });
    expect(dnsCalls(/POST .*\/changes$/)).toBe(1);
    const records = await driver.listRecords(z.id);
    expect(dnsCalls(/GET .*\/rrsets$/)).toBe(4); // 7 sets, 2 a page
    const byKey = Object.fromEntries(records.map((r) => [`${r.name} ${r.type}`, r]));
    expect(Object.keys(byKey).sort()).toEqual([
      'blog.example.com. CNAME',
      'example.com. MX',
      'example.com. NS',
      'example.com. SOA',
      'example.com. TXT',
      'www.example.com. A',
      'www.example.com. AAAA',
    ]);
    expect(byKey['example.com. TXT']).toEqual({
      name: 'example.com.',
      type: 'TXT',
      ttl: 300,
      values: ['"v=spf1 -all"', '"two" "strings"'],
      alias: null,
      setIdentifier: null,
    });
    expect(byKey['example.com. MX']?.values).toEqual(['10 mail.example.com.', '20 mx2.example.com.']);
  });

  it('reports a change PENDING until Cloud DNS has it done, then INSYNC', async () => {
    const { dns, driver } = setup();
    const z = dns.seedZone('zone-a', 'example.com.');
    const change = await driver.changeRecords(z.name, [create(set('a.example.com.', 'A', ['192.0.2.1']))]);
    await expect(driver.getChange(change.id)).resolves.toMatchObject({ id: change.id, status: 'PENDING' });
    dns.settle();
    await expect(driver.getChange(change.id)).resolves.toMatchObject({ id: change.id, status: 'INSYNC' });
  });

  it('answers not found for a change id it does not know or did not make', async () => {
    const { dns, driver } = setup();
    const z = dns.seedZone('zone-a', 'example.com.');
    await expect(driver.getChange(`${z.id}/99`)).rejects.toBeInstanceOf(E.ProviderNotFoundError);
    await expect(driver.getChange('C2682N5HXP0BZ4')).rejects.toBeInstanceOf(E.ProviderNotFoundError);
  });

  it('refuses to CREATE a set that exists, with a conflict, changing nothing', async () => {
    const { dns, driver } = setup();
    const z = zoneWithWww(dns);
    const batch = [
      create(set('new.example.com.', 'A', ['192.0.2.9'])),
      create(set('www.example.com.', 'A', ['192.0.2.2'])),
    ];
    const err = await driver.changeRecords(z.id, batch).catch((e: Error) => e);
    expect(err).toBeInstanceOf(E.ProviderConflictError);
    expect((err as Error).message).toMatch(/^changes\.create in zone \d+: Cloud DNS 409 alreadyExists: /);
    expect(z.rrsets.has('new.example.com.|A')).toBe(false);
  });

  it('UPSERTs by swapping the exact current set for the new one, or adds it when absent', async () => {
    const { dns, driver } = setup();
    const z = zoneWithWww(dns);
    await driver.changeRecords(z.id, [
      { action: 'UPSERT', record: set('www.example.com.', 'A', ['192.0.2.7'], 120) },
      { action: 'UPSERT', record: set('new.example.com.', 'TXT', ['"hello"']) },
    ]);
    expect(z.rrsets.get('www.example.com.|A')).toEqual({
      name: 'www.example.com.',
      type: 'A',
      ttl: 120,
      rrdatas: ['192.0.2.7'],
    });
    expect(z.rrsets.get('new.example.com.|TXT')?.rrdatas).toEqual(['"hello"']);
    expect(z.changes.at(-1)?.deletions).toEqual([
      { name: 'www.example.com.', type: 'A', ttl: 60, rrdatas: ['192.0.2.1'] },
    ]);
  });

  it('DELETEs the set as it is, and answers not found for one that is absent', async () => {
    const { dns, driver } = setup();
    const z = dns.seedZone('zone-a', 'example.com.');
    dns.seedRecord(z, { name: 'www.example.com.', type: 'CNAME', ttl: 60, rrdatas: ['example.com.'] });
    await driver.changeRecords(z.id, [
      { action: 'DELETE', record: set('www.example.com.', 'CNAME', ['x.']) },
    ]);
    expect(z.rrsets.has('www.example.com.|CNAME')).toBe(false);
    const again = driver.changeRecords(z.id, [
      { action: 'DELETE', record: set('www.example.com.', 'CNAME', ['x.']) },
    ]);
    await expect(again).rejects.toBeInstanceOf(E.ProviderNotFoundError);
  });

  it('replaces a set with DELETE then CREATE in one batch, as one change', async () => {
    const { dns, driver } = setup();
    const z = zoneWithWww(dns);
    await driver.changeRecords(z.id, [
      { action: 'DELETE', record: set('www.example.com.', 'A', ['192.0.2.1'], 60) },
      create(set('www.example.com.', 'A', ['192.0.2.3'])),
    ]);
    expect(z.rrsets.get('www.example.com.|A')?.rrdatas).toEqual(['192.0.2.3']);
    expect(dnsCalls(/POST .*\/changes$/)).toBe(1);
  });

  it('refuses a record outside the zone, as rejected', async () => {
    const { dns, driver } = setup();
    const z = dns.seedZone('zone-a', 'example.com.');
    const batch = [create(set('www.example.org.', 'A', ['192.0.2.1']))];
    await expect(driver.changeRecords(z.id, batch)).rejects.toBeInstanceOf(E.ProviderRejectedError);
  });
});

describe('failures', () => {
  it('fails authentication as E.ProviderAuthError, without any secret in the message', async () => {
    const { driver } = setup();
    ctx.fake.failNext(1, 401, { reason: 'authError', message: `bad key ${keyLines[2]}` });
    const err = await driver.listZones().catch((e: Error) => e);
    expect(err).toBeInstanceOf(E.ProviderAuthError);
    for (const line of keyLines) expect((err as Error).message).not.toContain(line);
  });

  it('retries throttling with its own backoff sleeps (the library does not retry behind its back)', async () => {
    const { dns, driver, sleeps } = setup();
    dns.seedZone('zone-a', 'example.com.');
    ctx.fake.failNext(2, 429);
    await expect(driver.listZones()).resolves.toHaveLength(1);
    expect(sleeps).toHaveLength(2);
    expect(dnsCalls(/managedZones$/)).toBe(3);
  });

  it('gives up on endless throttling with E.ProviderThrottledError', async () => {
    const { driver, sleeps } = setup();
    ctx.fake.failNext(1000, 429);
    await expect(driver.listZones()).rejects.toThrow(E.ProviderThrottledError);
    expect(sleeps).toHaveLength(2);
  });

  it('a call that does not answer in time is ProviderTimeoutError, not retried', async () => {
    const { driver, sleeps } = setup(3, 100);
    await driver.listZones(); // the token and the library are loaded
    ctx.fake.delayMs = 400;
    await expect(driver.listZones()).rejects.toBeInstanceOf(E.ProviderTimeoutError);
    expect(sleeps).toHaveLength(0);
    ctx.fake.delayMs = 0;
  });
});
