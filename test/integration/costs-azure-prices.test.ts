import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  priceCollections,
  priceMachines,
  refreshDuePriceRegion,
  refreshPriceRegion,
} from '../../lib/costs/prices.js';
import { PRICES_ORG, runCostTasks } from '../../lib/costs/tick.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { applyPoll } from '../../lib/inventory/machines.js';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import { fetchAzureRegionPrices } from '../../lib/providers/azure/retail-prices.js';
import type { ProviderMachine } from '../../lib/providers/compute.js';
import { type FakeRetailPrices, startFakeRetailPrices } from '../fakes/azure-pricing/retail-prices.js';
import { testJobs } from '../helpers/jobs.js';
import { closedLoopbackPort } from '../helpers/loopback.js';
import { useTestDatabase } from '../helpers/mongo.js';

const vm = (over: Partial<ProviderMachine>): ProviderMachine => ({
  externalId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${Math.random().toString(16).slice(2, 10)}`,
  name: 'vm',
  state: 'running',
  region: 'westeurope',
  size: 'Standard_D2s_v5',
  publicIps: [],
  privateIps: [],
  tags: {},
  extra: { osType: 'Linux' },
  ...over,
});

const SERIES = 'Virtual Machines Dsv5 Series';

describe('Azure machine prices from the Azure Retail Prices API', () => {
  const t = useTestDatabase('azure_prices');
  let clock = new Date('2026-11-02T06:00:00Z');
  const deps = () => ({ db: t.db, now: () => clock });
  let fake: FakeRetailPrices;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    // Two items a page: westeurope's seven meters are four pages, the Spot and Low Priority ones cheaper
    // than the pay-as-you-go ones they must not replace.
    fake = await startFakeRetailPrices({
      westeurope: [
        { armSkuName: 'Standard_D2s_v5', skuName: 'D2s v5 Spot', productName: SERIES, retailPrice: 0.0192 },
        { armSkuName: 'Standard_D2s_v5', skuName: 'D2s v5', productName: SERIES, retailPrice: 0.096 },
        {
          armSkuName: 'Standard_D2s_v5',
          skuName: 'D2s v5 Low Priority',
          productName: SERIES,
          retailPrice: 0.0192,
        },
        {
          armSkuName: 'Standard_D2s_v5',
          skuName: 'D2s v5',
          productName: `${SERIES} Windows`,
          retailPrice: 0.188,
        },
        { armSkuName: 'Standard_D4s_v5', skuName: 'D4s v5', productName: SERIES, retailPrice: 0.192 },
        // Only a Spot meter: the size is not priced.
        { armSkuName: 'Standard_E2s_v5', skuName: 'E2s v5 Spot', productName: SERIES, retailPrice: 0.02 },
        // Not hourly: skipped.
        {
          armSkuName: 'Standard_D4s_v5',
          skuName: 'D4s v5',
          productName: SERIES,
          retailPrice: 1000,
          unitOfMeasure: '1/Month',
        },
      ],
      eastus: [
        {
          armSkuName: 'Standard_B1s',
          skuName: 'B1s',
          productName: 'Virtual Machines BS Series',
          retailPrice: 0.0104,
        },
      ],
    });
  });
  afterAll(() => fake.close());

  it('leaves a machine of a region never fetched unpriced, saying why, and asks for the region', async () => {
    const [m] = await priceMachines(deps(), 'azure', [vm({})]);
    expect(m!.hourlyCost).toBeUndefined();
    expect(m!.price).toEqual({
      currency: null,
      source: null,
      reason: 'the Azure retail price list of westeurope has not been fetched yet',
    });
    expect(await priceCollections(t.db).regions.findOne({ _id: 'azure:westeurope' })).toMatchObject({
      provider: 'azure',
      region: 'westeurope',
      fetchedAt: null,
      wantedAt: clock,
    });
  });

  it('fetches the region through the tick and a prices.refresh job, every page followed', async () => {
    const previous = process.env.NIMBO_AZURE_PRICES_URL;
    process.env.NIMBO_AZURE_PRICES_URL = fake.url;
    const jobs = testJobs(
      () => t.db,
      () => clock,
    );
    try {
      const held: OutgoingMessage[] = [];
      const holding: MessageQueue = {
        send: async (m) => void held.push(m),
        sendBatch: async (ms) => void held.push(...ms),
      };
      const counts = await runCostTasks({ db: t.db, now: () => clock, queue: holding });
      expect(counts.priceRegionsQueued).toBe(1);
      expect(fake.hits).toHaveLength(0); // the tick downloads nothing
      const [job] = await t.db.collection('jobs').find({ type: 'prices.refresh' }).toArray();
      expect(job).toMatchObject({
        orgId: PRICES_ORG,
        status: 'queued',
        input: { provider: 'azure', region: 'westeurope' },
        resource: { type: 'price-region', id: 'azure:westeurope' },
      });
      for (const m of held) await jobs.queue.send(m);
      await jobs.drain();
      const done = await t.db.collection('jobs').findOne({ _id: job!._id });
      expect(done).toMatchObject({
        status: 'succeeded',
        result: { provider: 'azure', region: 'westeurope', ok: true, count: 3, error: null },
      });
      expect(fake.hits.map((h) => h.skip)).toEqual([0, 2, 4, 6]);
      expect(fake.hits[0]!.filter).toBe(
        "serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope' and priceType eq 'Consumption'",
      );
      const region = await priceCollections(t.db).regions.findOne({ _id: 'azure:westeurope' });
      expect(region).toMatchObject({ fetchedAt: clock, error: null, count: 3 });
      expect(
        await priceCollections(t.db).prices.findOne({ _id: 'azure:westeurope:Standard_D2s_v5:linux' }),
      ).toMatchObject({ provider: 'azure', hourly: 0.096, currency: 'USD' });
    } finally {
      if (previous === undefined) delete process.env.NIMBO_AZURE_PRICES_URL;
      else process.env.NIMBO_AZURE_PRICES_URL = previous;
    }
  });

  it('prices Linux and Windows by size, skips Spot and Low Priority, and says why a size is unpriced', async () => {
    const out = await priceMachines(deps(), 'azure', [
      vm({}),
      vm({ extra: { osType: 'Windows' } }),
      vm({ size: 'Standard_D4s_v5', extra: {} }),
      vm({ size: 'Standard_E2s_v5' }),
      vm({ size: 'Standard_X99' }),
      vm({ size: undefined }),
    ]);
    expect(out.map((m) => m.hourlyCost)).toEqual([0.096, 0.188, 0.192, undefined, undefined, undefined]);
    expect(out[0]!.price).toEqual({ currency: 'USD', source: 'azure-retail-prices', reason: null });
    expect(out.slice(3).map((m) => m.price)).toEqual([
      {
        currency: null,
        source: null,
        reason: 'Standard_E2s_v5 (linux) is not in the Azure retail price list of westeurope',
      },
      {
        currency: null,
        source: null,
        reason: 'Standard_X99 (linux) is not in the Azure retail price list of westeurope',
      },
      { currency: null, source: null, reason: 'the machine has no VM size' },
    ]);
  });

  it('writes the price on the machine at each poll of an Azure cloud', async () => {
    const cloud = {
      _id: 'cloud_azureprice',
      orgId: 'org_azure_prices',
      provider: 'azure',
      lastPollAt: null,
    } as unknown as CloudDoc;
    await applyPoll(deps(), cloud, [
      vm({ externalId: 'vm-a', extra: { osType: 'Windows' } }),
      vm({ externalId: 'vm-b', size: 'Standard_X99' }),
    ]);
    const docs = await t.db
      .collection('machines')
      .find({ orgId: 'org_azure_prices' })
      .sort({ externalId: 1 })
      .toArray();
    expect(docs.map((d) => [d.externalId, d.hourlyCost, d.price])).toEqual([
      ['vm-a', 0.188, { currency: 'USD', source: 'azure-retail-prices', reason: null }],
      [
        'vm-b',
        null,
        {
          currency: null,
          source: null,
          reason: 'Standard_X99 (linux) is not in the Azure retail price list of westeurope',
        },
      ],
    ]);
  });

  it('keeps the cached prices when a refresh fails, and records the failure', async () => {
    clock = new Date('2026-11-03T07:00:00Z'); // a day later: due again
    fake.failing = true;
    const failed = await refreshDuePriceRegion(deps(), { azure: { baseUrl: fake.url } });
    expect(failed).toMatchObject({
      provider: 'azure',
      region: 'westeurope',
      ok: false,
      error: 'the Azure retail prices answered 503',
    });
    fake.failing = false;
    const region = await priceCollections(t.db).regions.findOne({ _id: 'azure:westeurope' });
    expect(region).toMatchObject({ error: 'the Azure retail prices answered 503', count: 3 });
    const [m] = await priceMachines(deps(), 'azure', [vm({})]);
    expect(m!.hourlyCost).toBe(0.096);
  });

  it('with no cache and a failing API, the price stays null and the reason names the failure', async () => {
    const port = await closedLoopbackPort();
    const res = await refreshPriceRegion(deps(), 'azure', 'northeurope', {
      baseUrl: `http://127.0.0.1:${port}`,
    });
    expect(res.ok).toBe(false);
    const [m] = await priceMachines(deps(), 'azure', [vm({ region: 'northeurope' })]);
    expect(m!.hourlyCost).toBeUndefined();
    expect(m!.price?.reason).toMatch(
      /^the Azure retail price list of northeurope could not be fetched: the Azure retail prices could not be reached/,
    );
  });

  it('keeps AWS and Azure prices apart: refreshing one provider removes none of the other', async () => {
    const { prices } = priceCollections(t.db);
    await prices.insertOne({
      _id: 'aws:eastus:t3.micro:linux',
      provider: 'aws',
      region: 'eastus',
      instanceType: 't3.micro',
      os: 'linux',
      hourly: 0.01,
      currency: 'USD',
      fetchedAt: new Date('2026-01-01T00:00:00Z'),
    });
    expect(await refreshPriceRegion(deps(), 'azure', 'eastus', { baseUrl: fake.url })).toEqual({
      ok: true,
      count: 1,
      error: null,
    });
    expect(await prices.countDocuments({ region: 'eastus' })).toBe(2);
  });

  it('refuses a NextPageLink off the API origin', async () => {
    const f: typeof fetch = async () =>
      new Response(JSON.stringify({ Items: [], NextPageLink: 'http://169.254.169.254/latest' }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    await expect(
      fetchAzureRegionPrices('westeurope', { baseUrl: 'http://127.0.0.1:1', fetch: f }),
    ).rejects.toThrow(/NextPageLink off http:\/\/127\.0\.0\.1:1/);
  });
});
