/**
 * The dns driver conformance suite: one specification of DnsDriver (lib/providers/dns.ts) that every
 * provider with the dns capability passes against its world. Names and values go in as lib/dns hands
 * them to a driver (fully qualified, values in Route 53's text form) and must come back the same way,
 * whatever the provider stores. Record values use loopback addresses only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPABILITIES, type Provider } from '../../lib/providers/capabilities.js';
import type { DnsDriver, RecordChange, RecordSet } from '../../lib/providers/dns.js';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../lib/providers/errors.js';
import type { WorldFaults } from './world.js';

/** One provider's world, fresh for every test. */
export interface DnsWorld extends WorldFaults {
  driver: DnsDriver;
  /** Lets pending changes finish (the provider's propagation). */
  settle(): Promise<void>;
}

export interface DnsConformance {
  provider: Provider;
  /** A network a private zone can answer in (the world makes sure it exists); null: no private zones. */
  privateVpc: { region: string; vpcId: string } | null;
  /** A zone id in the driver's shape that the provider does not know. */
  missingZoneId: string;
  /** The world can throttle a counted number of tries (the simulator throttles by rate only). */
  countedThrottling?: boolean;
  world(): Promise<DnsWorld>;
}

const ZONE = 'conformance.example.com.';

/** A refusal of a change batch: a conflict (409) or a rejected request (422, Route 53's InvalidChangeBatch). */
function isRefusal(err: unknown): boolean {
  return err instanceof ProviderConflictError || err instanceof ProviderRejectedError;
}

const sortedValues = (r: { values: string[] }) => [...r.values].sort();

export function dnsConformance(c: DnsConformance): void {
  const caps = CAPABILITIES[c.provider];

  describe(`the ${c.provider} dns driver (conformance)`, () => {
    let w: DnsWorld;
    beforeEach(async () => {
      w = await c.world();
    });
    afterEach(() => w.close());

    const newZone = async (name = ZONE) =>
      (await w.driver.createZone({ name, private: false, comment: 'conformance' })).zone;
    const records = async (zoneId: string) =>
      new Map((await w.driver.listRecords(zoneId)).map((r) => [`${r.name}|${r.type}`, r]));
    const change = (action: RecordChange['action'], record: RecordSet): RecordChange => ({ action, record });

    it('creates a public zone, fully qualified and lowercase, that starts with its apex SOA and NS', async () => {
      const zone = await newZone();
      expect(zone).toMatchObject({ name: ZONE, private: false });
      const listed = (await w.driver.listZones()).find((z) => z.externalId === zone.externalId);
      expect(listed).toMatchObject({ name: ZONE, private: false });
      const apex = await records(zone.externalId);
      expect(apex.get(`${ZONE}|SOA`)?.values).toHaveLength(1);
      expect(apex.get(`${ZONE}|NS`)?.values.length).toBeGreaterThan(0);
    });

    it('lists every zone, across pages', async () => {
      const names = ['a.example.com.', 'b.example.com.', 'c.example.com.', 'd.example.net.'];
      for (const name of names) await newZone(name);
      expect((await w.driver.listZones()).map((z) => z.name).sort()).toEqual(names);
    });

    it('creates, upserts and deletes records of each type it manages, listed across pages', async () => {
      const zone = await newZone();
      const wanted: RecordSet[] = [
        { name: `www.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.10', '127.0.0.11'] },
        { name: `www.${ZONE}`, type: 'AAAA', ttl: 300, values: ['::1'] },
        { name: `app.${ZONE}`, type: 'CNAME', ttl: 60, values: [`www.${ZONE}`] },
        { name: ZONE, type: 'MX', ttl: 3600, values: [`10 mail.${ZONE}`, `20 backup.${ZONE}`] },
        { name: `txt.${ZONE}`, type: 'TXT', ttl: 120, values: ['"v=spf1 -all"', '"hello world"'] },
      ];
      await w.driver.changeRecords(
        zone.externalId,
        wanted.map((r) => change('CREATE', r)),
      );
      await w.settle();
      const listed = await records(zone.externalId);
      for (const r of wanted) {
        const got = listed.get(`${r.name}|${r.type}`);
        expect(got, `${r.name} ${r.type}`).toBeDefined();
        expect(got!.ttl).toBe(r.ttl);
        expect(sortedValues(got!)).toEqual(sortedValues(r));
      }
      expect(listed.size).toBe(wanted.length + 2);

      const moved: RecordSet = { name: `www.${ZONE}`, type: 'A', ttl: 600, values: ['127.0.0.12'] };
      await w.driver.changeRecords(zone.externalId, [change('UPSERT', moved)]);
      await w.settle();
      expect((await records(zone.externalId)).get(`www.${ZONE}|A`)).toMatchObject({
        ttl: 600,
        values: ['127.0.0.12'],
      });

      const current = [moved, ...wanted.slice(1)];
      await w.driver.changeRecords(
        zone.externalId,
        current.map((r) => change('DELETE', r)),
      );
      await w.settle();
      expect([...(await records(zone.externalId)).keys()].sort()).toEqual([`${ZONE}|NS`, `${ZONE}|SOA`]);
    });

    it('refuses to CREATE a record set that exists, and leaves it as it was', async () => {
      const zone = await newZone();
      const www: RecordSet = { name: `www.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.10'] };
      await w.driver.changeRecords(zone.externalId, [change('CREATE', www)]);
      await w.settle();
      const again = { ...www, values: ['127.0.0.99'] };
      const err = await w.driver.changeRecords(zone.externalId, [change('CREATE', again)]).catch((e) => e);
      expect(isRefusal(err), String(err)).toBe(true);
      expect((await records(zone.externalId)).get(`www.${ZONE}|A`)?.values).toEqual(['127.0.0.10']);
    });

    it('refuses to DELETE a record set that is not there', async () => {
      const zone = await newZone();
      const ghost: RecordSet = { name: `ghost.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.10'] };
      const err = await w.driver.changeRecords(zone.externalId, [change('DELETE', ghost)]).catch((e) => e);
      expect(isRefusal(err) || err instanceof ProviderNotFoundError, String(err)).toBe(true);
    });

    it('hands out a change that is INSYNC once the provider has applied it', async () => {
      const zone = await newZone();
      const www: RecordSet = { name: `www.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.10'] };
      const submitted = await w.driver.changeRecords(zone.externalId, [change('CREATE', www)]);
      expect(['PENDING', 'INSYNC']).toContain(submitted.status);
      expect(submitted.submittedAt).toBeInstanceOf(Date);
      await w.settle();
      const later = await w.driver.getChange(submitted.id);
      expect(later).toMatchObject({ id: submitted.id, status: 'INSYNC' });
    });

    it('refuses to delete a zone holding records unless forced, then deletes it with them', async () => {
      const zone = await newZone();
      const www: RecordSet = { name: `www.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.10'] };
      await w.driver.changeRecords(zone.externalId, [change('CREATE', www)]);
      await w.settle();
      await expect(w.driver.deleteZone(zone.externalId)).rejects.toBeInstanceOf(ProviderConflictError);
      expect((await w.driver.listZones()).map((z) => z.externalId)).toContain(zone.externalId);
      await w.driver.deleteZone(zone.externalId, { force: true });
      await w.settle();
      expect((await w.driver.listZones()).map((z) => z.externalId)).not.toContain(zone.externalId);
    });

    it('deletes an empty zone without force', async () => {
      const zone = await newZone();
      await w.driver.deleteZone(zone.externalId);
      await w.settle();
      expect(await w.driver.listZones()).toEqual([]);
    });

    it('answers ProviderNotFoundError for a zone it does not know', async () => {
      await expect(w.driver.listRecords(c.missingZoneId)).rejects.toBeInstanceOf(ProviderNotFoundError);
    });

    if (c.privateVpc && caps.privateZones !== false) {
      const vpc = c.privateVpc;
      it('creates a private zone that answers in the network it was given', async () => {
        const { zone } = await w.driver.createZone({ name: 'internal.example.com.', private: true, vpc });
        const listed = (await w.driver.listZones()).find((z) => z.externalId === zone.externalId);
        expect(listed?.private).toBe(true);
        expect(listed?.vpcs.map((v) => v.vpcId)).toContain(vpc.vpcId);
      });
    } else {
      it('refuses a private zone, as its capabilities say', async () => {
        expect(caps.privateZones).toBe(false);
        const vpc = { region: 'nowhere', vpcId: 'none' };
        const err = await w.driver
          .createZone({ name: 'internal.example.com.', private: true, vpc })
          .catch((e) => e);
        expect(err).toBeInstanceOf(ProviderRejectedError);
        expect(await w.driver.listZones()).toEqual([]);
      });
    }

    it('answers ProviderAuthError when the provider rejects the credentials', async () => {
      w.failAuthentication();
      await expect(w.driver.listZones()).rejects.toBeInstanceOf(ProviderAuthError);
    });

    it.skipIf(c.countedThrottling === false)('backs off and gets through when throttled twice', async () => {
      await newZone();
      w.throttle(2);
      expect((await w.driver.listZones()).map((z) => z.name)).toEqual([ZONE]);
      expect(w.backoffSleeps()).toBeGreaterThan(0);
    });

    it('answers ProviderThrottledError when throttling does not end', async () => {
      w.throttle(Number.POSITIVE_INFINITY);
      await expect(w.driver.listZones()).rejects.toBeInstanceOf(ProviderThrottledError);
    });
  });
}
