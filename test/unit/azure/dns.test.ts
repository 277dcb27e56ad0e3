import { describe, expect, it } from 'vitest';
import { AzureDnsDriver, DNS_RESOURCE_GROUP } from '../../../lib/providers/azure/dns.js';
import type { RecordChange } from '../../../lib/providers/dns.js';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../../lib/providers/errors.js';
import { type FakeZone, seedRecordSet, seedZone, zoneId } from '../../fakes/azure/arm-dns-routes.js';
import { type ArmFake, SECRET } from '../../fakes/azure/arm-fake.js';
import { useArmFake } from './fixtures.js';

let fake: ArmFake;
const makeDnsDriver = useArmFake(AzureDnsDriver, (started) => {
  fake = started;
});

function seedExample(): FakeZone {
  const zone = seedZone(fake, { resourceGroup: 'rg-dns', name: 'example.com' });
  seedRecordSet(zone, {
    name: 'www',
    type: 'A',
    ttl: 300,
    records: { ARecords: [{ ipv4Address: '192.0.2.10' }] },
  });
  seedRecordSet(zone, {
    name: '@',
    type: 'MX',
    records: { MXRecords: [{ preference: 10, exchange: 'mail.example.com' }] },
  });
  seedRecordSet(zone, {
    name: '@',
    type: 'TXT',
    records: { TXTRecords: [{ value: ['v=spf1 -all'] }, { value: ['part one', 'say "hi"'] }] },
  });
  return zone;
}

const change = (
  action: RecordChange['action'],
  type: RecordChange['record']['type'],
  name: string,
  values: string[],
) => ({ action, record: { name, type, ttl: 300, values } }) as RecordChange;

describe('zones', () => {
  it('lists the subscription’s zones across pages: ARM id, fully qualified lowercase name, record count', async () => {
    seedExample();
    seedZone(fake, { resourceGroup: 'rg-dns', name: 'example.org' });
    seedZone(fake, { resourceGroup: 'rg-other', name: 'Example.NET' });
    const { driver } = makeDnsDriver();
    const zones = await driver.listZones();
    expect(zones.map((z) => z.name).sort()).toEqual(['example.com.', 'example.net.', 'example.org.']);
    expect(fake.count(/^GET \/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/dnszones$/)).toBe(2);
    expect(zones.find((z) => z.name === 'example.com.')).toEqual({
      externalId: zoneId(fake, 'rg-dns', 'example.com'),
      name: 'example.com.',
      private: false,
      comment: null,
      recordCount: 5,
      vpcs: [],
    });
  });

  it('creates a public zone in nimbo-dns (made in the first location), with its comment, INSYNC at once', async () => {
    const { driver } = makeDnsDriver();
    const { zone, change: status } = await driver.createZone({
      name: 'Shop.Example.com.',
      private: false,
      comment: 'the shop',
    });
    expect(zone).toMatchObject({
      externalId: zoneId(fake, DNS_RESOURCE_GROUP, 'shop.example.com'),
      name: 'shop.example.com.',
      comment: 'the shop',
      recordCount: 2,
    });
    expect(status.status).toBe('INSYNC');
    expect(fake.resourceGroups.get(DNS_RESOURCE_GROUP)).toBe('westeurope');
    expect(await driver.getChange(status.id)).toEqual(status);
  });

  it('creates into a nimbo-dns made up front (of any location) without writing the group', async () => {
    fake.resourceGroups.set(DNS_RESOURCE_GROUP, 'northeurope');
    const { driver } = makeDnsDriver();
    await driver.createZone({ name: 'example.com', private: false });
    expect(fake.count(/^PUT \/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/i)).toBe(0);
    expect(fake.count(/^HEAD /)).toBe(1);
    expect(fake.resourceGroups.get(DNS_RESOURCE_GROUP)).toBe('northeurope');
  });

  it('refuses a zone that already exists with a conflict (If-None-Match)', async () => {
    seedZone(fake, { resourceGroup: DNS_RESOURCE_GROUP, name: 'example.com' });
    const { driver } = makeDnsDriver();
    const err = await driver.createZone({ name: 'example.com.', private: false }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toMatch(/PreconditionFailed/);
  });

  it('refuses a private zone with a rejection naming Azure Private DNS, before any call', async () => {
    const { driver } = makeDnsDriver();
    const err = await driver
      .createZone({ name: 'internal.example.', private: true, vpc: { region: 'westeurope', vpcId: 'x' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toMatch(/Private DNS/);
    expect(fake.seen).toHaveLength(0);
  });

  it('refuses to delete a zone holding records unless forced, then deletes it with its records', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    await expect(driver.deleteZone(zone.id)).rejects.toBeInstanceOf(ProviderConflictError);
    expect(fake.zones.has(zone.id.toLowerCase())).toBe(true);
    const status = await driver.deleteZone(zone.id, { force: true });
    expect(status.status).toBe('INSYNC');
    expect(fake.zones.has(zone.id.toLowerCase())).toBe(false);
    // The deletion was Azure's long-running operation, polled to its end.
    expect(fake.count(/^GET .*\/Microsoft\.Network\/locations\/global\/operations\//)).toBeGreaterThan(0);
  });

  it('deletes a zone holding only its SOA and NS without force', async () => {
    const zone = seedZone(fake, { resourceGroup: 'rg-dns', name: 'empty.example' });
    const { driver } = makeDnsDriver();
    await driver.deleteZone(zone.id);
    expect(fake.zones.size).toBe(0);
  });

  it('answers an unknown zone with not found, for every operation', async () => {
    seedExample();
    const { driver } = makeDnsDriver();
    const unknown: [string, string][] = [
      [zoneId(fake, 'rg-dns', 'nope.example'), 'a.nope.example.'],
      [zoneId(fake, 'rg-gone', 'example.com'), 'a.example.com.'],
      ['Z123', 'a.example.com.'],
    ];
    for (const [id, name] of unknown) {
      await expect(driver.listRecords(id)).rejects.toBeInstanceOf(ProviderNotFoundError);
      await expect(driver.deleteZone(id, { force: true })).rejects.toBeInstanceOf(ProviderNotFoundError);
      await expect(
        driver.changeRecords(id, [change('UPSERT', 'A', name, ['192.0.2.1'])]),
      ).rejects.toBeInstanceOf(ProviderNotFoundError);
    }
    expect(fake.count(/^DELETE /)).toBe(0);
  });
});

describe('records', () => {
  it('lists every record set across pages in Route 53 text form, the apex SOA and NS included', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    const records = await driver.listRecords(zone.id);
    expect(fake.count(/\/dnszones\/example\.com\/all$/i)).toBe(3);
    const by = new Map(records.map((r) => [`${r.name} ${r.type}`, r]));
    expect(by.get('www.example.com. A')).toMatchObject({ ttl: 300, values: ['192.0.2.10'], alias: null });
    expect(by.get('example.com. MX')!.values).toEqual(['10 mail.example.com.']);
    expect(by.get('example.com. TXT')!.values).toEqual(['"v=spf1 -all"', '"part one" "say \\"hi\\""']);
    expect(by.get('example.com. NS')!.values).toEqual([
      'ns1-01.azure-dns.com.',
      'ns2-01.azure-dns.net.',
      'ns3-01.azure-dns.org.',
    ]);
    expect(by.get('example.com. SOA')!.values).toEqual([
      'ns1-01.azure-dns.com. azuredns-hostmaster.microsoft.com. 1 3600 300 2419200 300',
    ]);
  });

  it('creates A, AAAA, CNAME, MX and TXT record sets as Azure’s typed records, in order, INSYNC at once', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    const status = await driver.changeRecords(zone.id, [
      change('CREATE', 'A', 'api.example.com.', ['192.0.2.20', '192.0.2.21']),
      change('CREATE', 'AAAA', 'api.example.com.', ['2001:db8::1']),
      change('CREATE', 'CNAME', 'docs.example.com.', ['api.example.com.']),
      change('CREATE', 'MX', 'lists.example.com.', ['10 mx1.example.net.', '20 mx2.example.net.']),
      change('CREATE', 'TXT', '_dmarc.example.com.', ['"v=DMARC1; p=none"', '"a" "b\\"c"']),
    ]);
    expect(status.status).toBe('INSYNC');
    expect(status.id).toMatch(/^azure-/);
    expect(zone.recordSets.get('CNAME|docs')!.records).toEqual({ CNAMERecord: { cname: 'api.example.com' } });
    expect(zone.recordSets.get('MX|lists')!.records).toEqual({
      MXRecords: [
        { preference: 10, exchange: 'mx1.example.net' },
        { preference: 20, exchange: 'mx2.example.net' },
      ],
    });
    expect(zone.recordSets.get('TXT|_dmarc')!.records).toEqual({
      TXTRecords: [{ value: ['v=DMARC1; p=none'] }, { value: ['a', 'b"c'] }],
    });
    // The round trip gives the very values Nimbo wrote.
    const back = new Map((await driver.listRecords(zone.id)).map((r) => [`${r.name} ${r.type}`, r.values]));
    expect(back.get('api.example.com. A')).toEqual(['192.0.2.20', '192.0.2.21']);
    expect(back.get('api.example.com. AAAA')).toEqual(['2001:db8::1']);
    expect(back.get('docs.example.com. CNAME')).toEqual(['api.example.com.']);
    expect(back.get('lists.example.com. MX')).toEqual(['10 mx1.example.net.', '20 mx2.example.net.']);
    expect(back.get('_dmarc.example.com. TXT')).toEqual(['"v=DMARC1; p=none"', '"a" "b\\"c"']);
  });

  it('refuses to CREATE a record set that exists with a conflict, leaving it as it was', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    const err = await driver
      .changeRecords(zone.id, [change('CREATE', 'A', 'www.example.com.', ['192.0.2.99'])])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(zone.recordSets.get('A|www')!.records).toEqual({ ARecords: [{ ipv4Address: '192.0.2.10' }] });
  });

  it('UPSERTs over an existing record set and creates an absent one', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    await driver.changeRecords(zone.id, [
      change('UPSERT', 'A', 'www.example.com.', ['192.0.2.99']),
      change('UPSERT', 'A', 'new.example.com.', ['192.0.2.100']),
    ]);
    expect(zone.recordSets.get('A|www')!.records).toEqual({ ARecords: [{ ipv4Address: '192.0.2.99' }] });
    expect(zone.recordSets.get('A|www')!.ttl).toBe(300);
    expect(zone.recordSets.has('A|new')).toBe(true);
  });

  it('DELETEs a record set with the etag it read; an absent one is not found (not Azure’s silent 204)', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    await driver.changeRecords(zone.id, [change('DELETE', 'A', 'www.example.com.', ['192.0.2.10'])]);
    expect(zone.recordSets.has('A|www')).toBe(false);
    await expect(
      driver.changeRecords(zone.id, [change('DELETE', 'A', 'www.example.com.', ['192.0.2.10'])]),
    ).rejects.toBeInstanceOf(ProviderNotFoundError);
    expect(fake.count(/^DELETE .*\/A\/www$/)).toBe(1);
  });

  it('applies a batch in order and stops at the failing change, which the error names', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    const err = await driver
      .changeRecords(zone.id, [
        change('CREATE', 'A', 'first.example.com.', ['192.0.2.1']),
        change('CREATE', 'A', 'www.example.com.', ['192.0.2.2']),
        change('CREATE', 'A', 'third.example.com.', ['192.0.2.3']),
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toContain('CREATE A www.example.com.');
    expect(zone.recordSets.has('A|first')).toBe(true);
    expect(zone.recordSets.has('A|third')).toBe(false);
  });

  it('refuses a record outside the zone with a rejection, before any write', async () => {
    const zone = seedExample();
    const { driver } = makeDnsDriver();
    await expect(
      driver.changeRecords(zone.id, [change('UPSERT', 'A', 'www.example.org.', ['192.0.2.1'])]),
    ).rejects.toBeInstanceOf(ProviderRejectedError);
    expect(fake.count(/^PUT /)).toBe(0);
  });

  it('answers any change id of this driver INSYNC with its time, and not found for other shapes', async () => {
    const at = new Date('2026-12-04T02:00:00.123Z');
    const zone = seedExample();
    const { driver } = makeDnsDriver({ now: () => at });
    const status = await driver.changeRecords(zone.id, [
      change('UPSERT', 'A', 'x.example.com.', ['192.0.2.1']),
    ]);
    expect(status.submittedAt).toEqual(at);
    expect(await driver.getChange(status.id)).toEqual({ id: status.id, status: 'INSYNC', submittedAt: at });
    for (const id of ['C2682N5HXP0BZ4', 'azure-123', `azure-${crypto.randomUUID()}`]) {
      await expect(driver.getChange(id)).rejects.toBeInstanceOf(ProviderNotFoundError);
    }
  });
});

describe('authentication and throttling', () => {
  it('maps a wrong client secret to ProviderAuthError without the secret in the message', async () => {
    const wrong = 'wrong-secret-Dn5~value';
    const { driver } = makeDnsDriver({ secret: wrong });
    const err = await driver.listZones().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(SECRET);
  });

  it('retries throttling with the injected backoff sleep and succeeds', async () => {
    const zone = seedExample();
    fake.inject(3, 429, 'TooManyRequests', { retryAfter: '0', match: /\/all$/ });
    const { driver, sleeps } = makeDnsDriver();
    expect(await driver.listRecords(zone.id)).toHaveLength(5);
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
    expect(fake.faults[0]!.remaining).toBe(0);
  });

  it('gives up with ProviderThrottledError when Azure keeps throttling', async () => {
    const zone = seedExample();
    fake.inject(1000, 429, 'TooManyRequests', { retryAfter: '0' });
    const { driver, sleeps } = makeDnsDriver();
    const err = await driver
      .changeRecords(zone.id, [change('UPSERT', 'A', 'x.example.com.', ['192.0.2.1'])])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect(sleeps).toHaveLength(2);
  });
});
