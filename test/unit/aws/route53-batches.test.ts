/**
 * Route 53 behaviours the dns conformance suite does not ask of every provider, over the stateful fake
 * Route 53 (test/fakes/aws): a change batch is all or nothing and names every refused change; wildcard
 * names come back as written, not in Route 53's octal escape; values must be in Route 53's text form.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsDnsDriver } from '../../../lib/providers/aws/dns.js';
import type { RecordSet } from '../../../lib/providers/dns.js';
import { ProviderRejectedError } from '../../../lib/providers/errors.js';
import { Route53World } from '../../fakes/aws/route53-world.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './fixtures.js';

const ZONE = 'example.com.';
let world: Route53World;
let driver: AwsDnsDriver;
let zoneId: string;
beforeEach(async () => {
  world = new Route53World({ pageSize: 2 });
  driver = new AwsDnsDriver(
    {
      cloudId: 'cloud-1',
      credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    },
    { sleep: async () => {}, random: () => 0.5 },
  );
  zoneId = (await driver.createZone({ name: ZONE, private: false })).zone.externalId;
});
afterEach(() => world.close());

const names = async () => (await driver.listRecords(zoneId)).map((r) => `${r.name} ${r.type}`).sort();

describe('Route 53 change batches', () => {
  it('refuses a whole batch when some changes are bad, naming each, and applies none of it', async () => {
    const www: RecordSet = { name: `www.${ZONE}`, type: 'A', ttl: 300, values: ['127.0.0.10'] };
    await driver.changeRecords(zoneId, [{ action: 'CREATE', record: www }]);
    const err = await driver
      .changeRecords(zoneId, [
        { action: 'CREATE', record: { ...www, name: `new.${ZONE}` } },
        { action: 'CREATE', record: www },
        { action: 'DELETE', record: { ...www, name: `ghost.${ZONE}` } },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect((err as Error).message).toContain(`name='www.${ZONE}', type='A'] but it already exists`);
    expect((err as Error).message).toContain(`name='ghost.${ZONE}', type='A'] but it was not found`);
    expect(await names()).toEqual([`${ZONE} NS`, `${ZONE} SOA`, `www.${ZONE} A`]);
  });

  it('lists a wildcard record under its own name, not the \\052 escape, and force-deletes it', async () => {
    const wildcard: RecordSet = { name: `*.${ZONE}`, type: 'A', ttl: 60, values: ['127.0.0.1'] };
    await driver.changeRecords(zoneId, [{ action: 'CREATE', record: wildcard }]);
    expect(world.state.zone(zoneId).records.map((r) => r.Name)).toContain(`\\052.${ZONE}`);
    expect(await names()).toContain(`*.${ZONE} A`);
    await driver.deleteZone(zoneId, { force: true });
    expect(world.state.zones.size).toBe(0);
  });

  it('refuses a TXT value that is not quoted, as Route 53 does', async () => {
    const txt: RecordSet = { name: `txt.${ZONE}`, type: 'TXT', ttl: 60, values: ['v=spf1 -all'] };
    const err = await driver
      .changeRecords(zoneId, [{ action: 'CREATE', record: txt }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect((err as Error).message).toContain('Value should be enclosed in quotation marks');
  });
});
