import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  priceAwsMachines,
  priceCollections,
  refreshAwsRegion,
  refreshDuePriceRegion,
} from '../../lib/costs/prices.js';
import { PRICES_ORG, runCostTasks } from '../../lib/costs/tick.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { applyPoll } from '../../lib/inventory/machines.js';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import type { ProviderMachine } from '../../lib/providers/compute.js';
import { type FakePriceList, offerFile, startFakePriceList } from '../fakes/aws-pricing/price-list.js';
import { testJobs } from '../helpers/jobs.js';
import { closedLoopbackPort } from '../helpers/loopback.js';
import { useTestDatabase } from '../helpers/mongo.js';

const listed = (over: Partial<ProviderMachine>): ProviderMachine => ({
  externalId: `i-${Math.random().toString(16).slice(2, 10)}`,
  name: 'm',
  state: 'running',
  region: 'eu-west-1',
  size: 't3.micro',
  publicIps: [],
  privateIps: [],
  tags: {},
  extra: { platform: 'Linux/UNIX' },
  ...over,
});

describe('AWS machine prices from the Price List Bulk API', () => {
  const t = useTestDatabase('prices');
  let clock = new Date('2026-11-02T06:00:00Z');
  const deps = () => ({ db: t.db, now: () => clock });
  let fake: FakePriceList;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    fake = await startFakePriceList({
      'eu-west-1': offerFile('eu-west-1', [
        { sku: 'A', instanceType: 't3.micro', usd: '0.0114000000' },
        { sku: 'B', instanceType: 't3.micro', operatingSystem: 'Windows', usd: '0.0206000000' },
        { sku: 'C', instanceType: 'm5.large', usd: '0.1070000000' },
      ]),
      'us-east-1': offerFile('us-east-1', [{ sku: 'D', instanceType: 't3.micro', usd: '0.0104000000' }]),
    });
  });
  afterAll(() => fake.close());

  it('leaves a machine of a region never fetched unpriced, saying why, and asks for the region', async () => {
    const [m] = await priceAwsMachines(deps(), [listed({ region: 'us-east-1' })]);
    expect(m!.hourlyCost).toBeUndefined();
    expect(m!.price).toEqual({
      currency: null,
      source: null,
      reason: 'the AWS price list of us-east-1 has not been fetched yet',
    });
    expect(await priceCollections(t.db).regions.findOne({ _id: 'aws:us-east-1' })).toMatchObject({
      fetchedAt: null,
      wantedAt: clock,
    });
  });

  it("fetches a wanted region at the tick's step, and prices its machines in USD from then on", async () => {
    const done = await refreshDuePriceRegion(deps(), { aws: { baseUrl: fake.url } });
    expect(done).toEqual({ provider: 'aws', region: 'us-east-1', ok: true, count: 1, error: null });
    expect(await refreshDuePriceRegion(deps(), { aws: { baseUrl: fake.url } })).toBeNull(); // fresh for a day
    const [m] = await priceAwsMachines(deps(), [listed({ region: 'us-east-1' })]);
    expect(m!.hourlyCost).toBe(0.0104);
    expect(m!.price).toEqual({ currency: 'USD', source: 'aws-price-list', reason: null });
  });

  it('prices Linux and Windows by instance type and region, and says why others are not', async () => {
    expect((await refreshAwsRegion(deps(), 'eu-west-1', { baseUrl: fake.url })).count).toBe(3);
    const out = await priceAwsMachines(deps(), [
      listed({}),
      listed({ extra: { platform: 'Windows' } }),
      listed({ size: 'm5.large', extra: {} }),
      listed({ size: 'x9.huge' }),
      listed({ extra: { platform: 'Red Hat Enterprise Linux' } }),
      listed({ size: undefined }),
    ]);
    expect(out.map((m) => m.hourlyCost)).toEqual([0.0114, 0.0206, 0.107, undefined, undefined, undefined]);
    expect(out.slice(3).map((m) => m.price?.reason)).toEqual([
      'x9.huge (linux) is not in the AWS price list of eu-west-1',
      'platform Red Hat Enterprise Linux is not priced: Linux and Windows only',
      'the machine has no instance type',
    ]);
  });

  it('keeps the cached prices when a refresh fails, and records the failure for a retry an hour later', async () => {
    clock = new Date('2026-11-03T07:00:00Z'); // a day later: due again
    fake.failing = true;
    const failed = await refreshDuePriceRegion(deps(), { aws: { baseUrl: fake.url } });
    expect(failed).toMatchObject({ ok: false, error: expect.stringMatching(/answered 503/) });
    const [m] = await priceAwsMachines(deps(), [listed({ region: failed!.region })]);
    expect(m!.hourlyCost).toBeGreaterThan(0);
    fake.failing = false;
  });

  it('offline, with no cache: the price stays null and the reason names the failure', async () => {
    const port = await closedLoopbackPort();
    const res = await refreshAwsRegion(deps(), 'ap-south-1', { baseUrl: `http://127.0.0.1:${port}` });
    expect(res.ok).toBe(false);
    const [m] = await priceAwsMachines(deps(), [listed({ region: 'ap-south-1' })]);
    expect(m!.hourlyCost).toBeUndefined();
    expect(m!.price?.reason).toMatch(
      /^the AWS price list of ap-south-1 could not be fetched: .*could not be reached/,
    );
  });

  it('answers a region the index does not name with a failure, not a crash', async () => {
    const res = await refreshAwsRegion(deps(), 'mars-north-1', { baseUrl: fake.url });
    expect(res).toEqual({
      ok: false,
      count: 0,
      error: 'the AWS price list has no offer file for mars-north-1',
    });
  });

  it('writes the price on the machine at each poll of an AWS cloud, with its currency and source', async () => {
    const cloud = {
      _id: 'cloud_awsprice',
      orgId: 'org_prices',
      provider: 'aws',
      lastPollAt: null,
    } as unknown as CloudDoc;
    await applyPoll(deps(), cloud, [
      listed({ externalId: 'i-priced' }),
      listed({ externalId: 'i-odd', size: 'x9.huge' }),
    ]);
    const docs = await t.db
      .collection('machines')
      .find({ orgId: 'org_prices' })
      .sort({ externalId: 1 })
      .toArray();
    expect(docs.map((d) => [d.externalId, d.hourlyCost, d.price])).toEqual([
      [
        'i-odd',
        null,
        { currency: null, source: null, reason: 'x9.huge (linux) is not in the AWS price list of eu-west-1' },
      ],
      ['i-priced', 0.0114, { currency: 'USD', source: 'aws-price-list', reason: null }],
    ]);
  });

  it('hands a due region to the worker as a prices.refresh job, which fetches it; the tick itself downloads nothing', async () => {
    clock = new Date('2026-11-05T07:00:00Z'); // every region due again
    const previous = process.env.NIMBO_AWS_PRICE_LIST_URL;
    process.env.NIMBO_AWS_PRICE_LIST_URL = fake.url;
    const jobs = testJobs(
      () => t.db,
      () => clock,
    );
    try {
      // The tick's part, with its messages held back: it queues, and downloads nothing.
      const held: OutgoingMessage[] = [];
      const holding: MessageQueue = {
        send: async (m) => void held.push(m),
        sendBatch: async (ms) => void held.push(...ms),
      };
      const hitsBefore = fake.hits.length;
      const counts = await runCostTasks({ db: t.db, now: () => clock, queue: holding });
      expect(counts.priceRegionsQueued).toBe(1);
      expect(fake.hits.length).toBe(hitsBefore);
      const [job] = await t.db.collection('jobs').find({ type: 'prices.refresh' }).toArray();
      expect(job).toMatchObject({ orgId: PRICES_ORG, status: 'queued' });
      expect(held).toHaveLength(1);
      // The worker's part: the same message, delivered.
      for (const m of held) await jobs.queue.send(m);
      await jobs.drain();
      const done = await t.db.collection('jobs').findOne({ _id: job!._id });
      expect(done).toMatchObject({ status: 'succeeded', result: { region: job!.input.region, ok: true } });
      const region = await priceCollections(t.db).regions.findOne({ _id: `aws:${job!.input.region}` });
      expect(region!.fetchedAt).toEqual(clock);
    } finally {
      if (previous === undefined) delete process.env.NIMBO_AWS_PRICE_LIST_URL;
      else process.env.NIMBO_AWS_PRICE_LIST_URL = previous;
    }
  });
});
