/** The Cloud API's zones and RRSets: relative names, zone-file values read back fully qualified. */
import { describe, expect, it } from 'vitest';
import { ProviderConflictError, ProviderRejectedError } from '../../../lib/providers/errors.js';
import { HetznerDnsDriver } from '../../../lib/providers/hetzner/dns.js';
import { qualifyValue, relativeName } from '../../../lib/providers/hetzner/dns-mapping.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerDnsDriver);
const ZONE = 'example.com.';

describe('hetzner dns', () => {
  it('creates a primary zone by its name without the trailing dot; the change is PENDING until its action succeeds', async () => {
    fake().state.actionReads = 2;
    const { driver } = make();
    const { zone, change } = await driver.createZone({ name: 'Example.COM.', private: false });
    expect(fake().sent('POST', '/zones')[0]?.body).toEqual({ name: 'example.com', mode: 'primary' });
    expect(zone).toMatchObject({ name: ZONE, private: false, comment: null, vpcs: [] });
    expect(change.status).toBe('PENDING');
    expect((await driver.getChange(change.id)).status).toBe('PENDING');
    expect((await driver.getChange(change.id)).status).toBe('INSYNC');
  });

  it('refuses a private zone before any call', async () => {
    const err = await make()
      .driver.createZone({
        name: 'internal.example.com.',
        private: true,
        vpc: { region: 'global', vpcId: '1' },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(fake().requests).toEqual([]);
  });

  it('creates RRSets by relative name ("@" at the apex) with zone-file values as given', async () => {
    const { driver } = make();
    const { zone } = await driver.createZone({ name: ZONE, private: false });
    await driver.changeRecords(zone.externalId, [
      { action: 'CREATE', record: { name: ZONE, type: 'MX', ttl: 3600, values: [`10 mail.${ZONE}`] } },
      { action: 'CREATE', record: { name: `txt.${ZONE}`, type: 'TXT', ttl: 60, values: ['"hello world"'] } },
    ]);
    expect(
      fake()
        .sent('POST', `/zones/${zone.externalId}/rrsets`)
        .map((r) => r.body),
    ).toEqual([
      { name: '@', type: 'MX', ttl: 3600, records: [{ value: '10 mail.example.com.' }] },
      { name: 'txt', type: 'TXT', ttl: 60, records: [{ value: '"hello world"' }] },
    ]);
  });

  it('upserts an existing RRSet with set_records, and change_ttl only when the TTL moves', async () => {
    const { driver } = make();
    const { zone } = await driver.createZone({ name: ZONE, private: false });
    const www = { name: `www.${ZONE}`, type: 'A' as const, ttl: 300, values: ['127.0.0.1'] };
    await driver.changeRecords(zone.externalId, [{ action: 'CREATE', record: www }]);
    await driver.changeRecords(zone.externalId, [
      { action: 'UPSERT', record: { ...www, values: ['127.0.0.2'] } },
    ]);
    expect(fake().sent('POST', /change_ttl$/)).toEqual([]);
    await driver.changeRecords(zone.externalId, [{ action: 'UPSERT', record: { ...www, ttl: 600 } }]);
    expect(
      fake()
        .sent('POST', /\/rrsets\/www\/A\/actions\/set_records$/)
        .map((r) => r.body),
    ).toEqual([{ records: [{ value: '127.0.0.2' }] }, { records: [{ value: '127.0.0.1' }] }]);
    expect(fake().sent('POST', /\/rrsets\/www\/A\/actions\/change_ttl$/)[0]?.body).toEqual({ ttl: 600 });
  });

  it('refuses a batch whose CREATE exists already, and writes none of it', async () => {
    const { driver } = make();
    const { zone } = await driver.createZone({ name: ZONE, private: false });
    const www = { name: `www.${ZONE}`, type: 'A' as const, ttl: 300, values: ['127.0.0.1'] };
    await driver.changeRecords(zone.externalId, [{ action: 'CREATE', record: www }]);
    const before = fake().requests.length;
    const err = await driver
      .changeRecords(zone.externalId, [
        { action: 'CREATE', record: { ...www, name: `new.${ZONE}` } },
        { action: 'CREATE', record: www },
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(
      fake()
        .requests.slice(before)
        .every((r) => r.method === 'GET'),
    ).toBe(true);
  });

  it("reads relative targets back fully qualified, and the apex SOA and NS as the zone's own", async () => {
    expect(relativeName('www.example.com.', ZONE)).toBe('www');
    expect(relativeName(ZONE, ZONE)).toBe('@');
    expect(qualifyValue('CNAME', 'www', ZONE)).toBe('www.example.com.');
    expect(qualifyValue('MX', '10 mail', ZONE)).toBe('10 mail.example.com.');
    expect(qualifyValue('MX', '10 mail.other.org.', ZONE)).toBe('10 mail.other.org.');
    expect(qualifyValue('SRV', '1 2 5060 @', ZONE)).toBe('1 2 5060 example.com.');
    expect(qualifyValue('TXT', '"v=spf1 -all"', ZONE)).toBe('"v=spf1 -all"');
    const { driver } = make();
    const { zone } = await driver.createZone({ name: ZONE, private: false });
    const records = await driver.listRecords(zone.externalId);
    expect(records.map((r) => [r.name, r.type, r.ttl])).toEqual([
      [ZONE, 'SOA', null],
      [ZONE, 'NS', null],
    ]);
  });

  it('refuses to delete a zone holding records unless forced', async () => {
    const { driver } = make();
    const { zone } = await driver.createZone({ name: ZONE, private: false });
    await driver.changeRecords(zone.externalId, [
      { action: 'CREATE', record: { name: `www.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.1'] } },
    ]);
    const err = await driver.deleteZone(zone.externalId).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toContain('1 record sets besides its SOA and NS');
    expect(fake().sent('DELETE', `/zones/${zone.externalId}`)).toEqual([]);
    await driver.deleteZone(zone.externalId, { force: true });
    expect(fake().sent('DELETE', `/zones/${zone.externalId}`)).toHaveLength(1);
  });
});
