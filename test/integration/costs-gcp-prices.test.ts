/**
 * GCP machine prices from the Cloud Billing Catalog API: a poll asks for the region and remembers the
 * cloud, the tick queues a prices.refresh job, the worker signs in with that cloud's service account
 * (against the fake Compute Engine's token endpoint) and reads a paged fake catalog mounted on the same
 * host; the next poll prices the machines as vCPUs × core price + GiB × RAM price of their family.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcpPriceAccess, sealCredentials } from '../../lib/clouds/drivers.js';
import { priceCollections, REFRESH_MS, refreshPriceRegion } from '../../lib/costs/prices.js';
import { PRICES_ORG, runCostTasks } from '../../lib/costs/tick.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc } from '../../lib/db/documents.js';
import { applyPoll } from '../../lib/inventory/machines.js';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import type { ProviderMachine } from '../../lib/providers/compute.js';
import { skuRate } from '../../lib/providers/gcp/billing-catalog.js';
import { GcpComputeFake } from '../fakes/gcp/compute-fake.js';
import { type FakeBillingCatalog, mountBillingCatalog } from '../fakes/gcp-billing/catalog.js';
import { testJobs } from '../helpers/jobs.js';
import { useTestDatabase } from '../helpers/mongo.js';

const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const N2_CORE = 0.031611;
const N2_RAM = 0.004237;
const US = ['us-central1', 'us-east1'];
const EU = ['europe-west1'];

const vm = (name: string, size: string, zone = 'europe-west1-b'): ProviderMachine => ({
  externalId: name,
  name,
  state: 'running',
  region: zone,
  size,
  publicIps: [],
  privateIps: [],
  tags: {},
});

describe('GCP machine prices from the Cloud Billing Catalog API', () => {
  const t = useTestDatabase('gcp_prices');
  let clock = new Date('2026-11-02T06:00:00Z');
  const deps = () => ({ db: t.db, now: () => clock });
  const fake = new GcpComputeFake('nimbo-test');
  let catalog: FakeBillingCatalog;
  let endpoint: string;
  let cloud: CloudDoc;
  let previousUrl: string | undefined;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    endpoint = await fake.start();
    previousUrl = process.env.NIMBO_GCP_BILLING_URL;
    process.env.NIMBO_GCP_BILLING_URL = endpoint;
    fake.machineTypes.push(
      { name: 'n2-standard-2', guestCpus: 2, memoryMb: 8192 },
      { name: 'c3-standard-4', guestCpus: 4, memoryMb: 16384 },
    );
    // Nine SKUs, three a page: the OnDemand N2 rates of europe-west1 are on the last page, after cheaper
    // Preemptible and Commit1Yr ones and the same SKU of another region, which must not replace them.
    catalog = mountBillingCatalog(fake, [
      {
        description: 'N2 Instance Core running in Belgium',
        usageType: 'Preemptible',
        regions: EU,
        price: 0.0077,
      },
      {
        description: 'N2 Instance Ram running in Belgium',
        usageType: 'Preemptible',
        regions: EU,
        price: 0.001,
      },
      {
        description: 'Commitment v1: N2 Cpu in Belgium for 1 Year',
        usageType: 'Commit1Yr',
        regions: EU,
        price: 0.02,
      },
      {
        description: 'N2 Instance Core running in Belgium',
        usageType: 'Commit1Yr',
        regions: EU,
        price: 0.019,
      },
      { description: 'N2 Instance Core running in Americas', regions: US, price: 0.031611 * 0.9 },
      { description: 'N2 Instance Ram running in Americas', regions: US, price: 0.004237 * 0.9 },
      { description: 'N2 Instance Core running in Belgium', regions: EU, price: N2_CORE },
      { description: 'N2 Instance Ram running in Belgium', regions: EU, price: N2_RAM },
      // E2's rates exist, but e2-small and e2-medium are shared-core: not priced from them.
      { description: 'E2 Instance Core running in Belgium', regions: EU, price: 0.0239 },
    ]);
    cloud = {
      _id: 'cld_gcp_prices',
      orgId: 'org_gcp_prices',
      name: 'gce',
      provider: 'gcp',
      enabled: true,
      disabledReason: null,
      regions: ['europe-west1'],
      settings: { endpoint },
      credentials: await sealCredentials('org_gcp_prices', 'cld_gcp_prices', {
        type: 'service_account',
        project_id: 'nimbo-test',
        client_email: 'nimbo@nimbo-test.iam.gserviceaccount.com',
        private_key: PRIVATE_KEY,
        private_key_id: 'abcdef0123456789',
      }),
      credentialsSummary: { type: 'serviceAccount', account: 'nimbo@nimbo-test.iam.gserviceaccount.com' },
      pollIntervalMinutes: 5,
      nextPollAt: null,
      lastPollAt: null,
      lastPollError: null,
      consecutiveFailures: 0,
      createdAt: clock,
      updatedAt: clock,
    };
    await t.db.collection<CloudDoc>('clouds').insertOne(cloud);
  });
  afterAll(async () => {
    if (previousUrl === undefined) delete process.env.NIMBO_GCP_BILLING_URL;
    else process.env.NIMBO_GCP_BILLING_URL = previousUrl;
    await fake.stop();
  });

  const machines = () =>
    t.db
      .collection('machines')
      .find({ cloudId: cloud._id }, { sort: { name: 1 } })
      .toArray();
  const fleet = [
    vm('big', 'n2-standard-4'),
    vm('small', 'n2-standard-2', 'europe-west1-c'),
    vm('shared', 'e2-small'),
    vm('c3', 'c3-standard-4'),
  ];

  it('leaves a machine of a region never fetched unpriced and asks for its region (not its zone), remembering the cloud', async () => {
    await applyPoll(deps(), cloud, fleet);
    const big = (await machines()).find((m) => m.name === 'big');
    expect(big).toMatchObject({
      hourlyCost: null,
      price: {
        currency: null,
        source: null,
        reason: 'the GCP Cloud Billing catalog of europe-west1 has not been fetched yet',
      },
    });
    expect(await priceCollections(t.db).regions.find({ provider: 'gcp' }).toArray()).toEqual([
      expect.objectContaining({
        _id: 'gcp:europe-west1',
        region: 'europe-west1',
        fetchedAt: null,
        orgId: cloud.orgId,
        cloudId: cloud._id,
      }),
    ]);
  });

  it('fetches the region through the tick and a prices.refresh job, signed in, every page followed', async () => {
    const jobs = testJobs(
      () => t.db,
      () => clock,
    );
    const held: OutgoingMessage[] = [];
    const holding: MessageQueue = {
      send: async (m) => void held.push(m),
      sendBatch: async (ms) => void held.push(...ms),
    };
    const tokensBefore = fake.tokenRequests;
    const counts = await runCostTasks({ db: t.db, now: () => clock, queue: holding });
    expect(counts.priceRegionsQueued).toBe(1);
    expect(catalog.hits).toHaveLength(0);
    const [job] = await t.db.collection('jobs').find({ type: 'prices.refresh' }).toArray();
    expect(job).toMatchObject({
      orgId: PRICES_ORG,
      input: { provider: 'gcp', region: 'europe-west1' },
      resource: { type: 'price-region', id: 'gcp:europe-west1' },
    });
    for (const m of held) await jobs.queue.send(m);
    await jobs.drain();
    const done = await t.db.collection('jobs').findOne({ _id: job!._id });
    // n2-standard-4 and n2-standard-2: e2 types are shared-core, c3 has no rates.
    expect(done).toMatchObject({
      status: 'succeeded',
      result: { provider: 'gcp', region: 'europe-west1', ok: true, count: 2, error: null },
    });
    expect(catalog.hits).toEqual([
      { serviceId: '6F81-5844-456A', pageToken: '', currencyCode: 'USD' },
      { serviceId: '6F81-5844-456A', pageToken: '3', currencyCode: 'USD' },
      { serviceId: '6F81-5844-456A', pageToken: '6', currencyCode: 'USD' },
    ]);
    expect(fake.tokenRequests).toBeGreaterThan(tokensBefore);
    // The machine types came from the region's first zone through the driver.
    expect(fake.requests).toContain('GET /compute/v1/projects/nimbo-test/zones/europe-west1-b/machineTypes');
    expect(await priceCollections(t.db).regions.findOne({ _id: 'gcp:europe-west1' })).toMatchObject({
      fetchedAt: clock,
      error: null,
      count: 2,
    });
  });

  it('prices an n2-standard-4 as 4 × core + 16 GiB × RAM at the next poll; shared-core and unknown families null, saying why', async () => {
    await applyPoll(deps(), cloud, fleet);
    const byName = Object.fromEntries((await machines()).map((m) => [m.name, m]));
    expect(byName.big!.hourlyCost).toBeCloseTo(4 * N2_CORE + 16 * N2_RAM, 9);
    expect(byName.big!.price).toEqual({ currency: 'USD', source: 'gcp-cloud-billing', reason: null });
    expect(byName.small!.hourlyCost).toBeCloseTo(2 * N2_CORE + 8 * N2_RAM, 9);
    expect(byName.shared).toMatchObject({
      hourlyCost: null,
      price: { currency: null, reason: expect.stringContaining('e2-small is a shared-core machine type') },
    });
    expect(byName.c3).toMatchObject({
      hourlyCost: null,
      price: {
        currency: null,
        reason: expect.stringContaining('no on-demand "C3 Instance Core/Ram" price'),
      },
    });
  });

  it('keeps the cache when the catalog fails, recording the reason', async () => {
    clock = new Date(clock.getTime() + REFRESH_MS + 1000);
    catalog.failStatus = 503;
    try {
      const out = await refreshPriceRegion(deps(), 'gcp', 'europe-west1', {
        baseUrl: endpoint,
        gcpAccess: gcpPriceAccess,
      });
      expect(out).toEqual({ ok: false, count: 0, error: 'the Cloud Billing Catalog answered 503' });
    } finally {
      catalog.failStatus = null;
    }
    expect(await priceCollections(t.db).regions.findOne({ _id: 'gcp:europe-west1' })).toMatchObject({
      error: 'the Cloud Billing Catalog answered 503',
      count: 2,
    });
    await applyPoll(deps(), cloud, fleet);
    const big = (await machines()).find((m) => m.name === 'big');
    expect(big!.hourlyCost).toBeCloseTo(4 * N2_CORE + 16 * N2_RAM, 9);
  });

  it('refuses a region no GCP cloud asked for, and one whose cloud is gone', async () => {
    const none = await refreshPriceRegion(deps(), 'gcp', 'asia-east1', { gcpAccess: gcpPriceAccess });
    expect(none).toMatchObject({
      ok: false,
      error: expect.stringContaining('no GCP cloud has asked for asia-east1'),
    });
    await priceCollections(t.db).regions.updateOne(
      { _id: 'gcp:asia-east1' },
      { $set: { orgId: 'org_gone', cloudId: 'cld_gone' } },
    );
    const gone = await refreshPriceRegion(deps(), 'gcp', 'asia-east1', { gcpAccess: gcpPriceAccess });
    expect(gone).toMatchObject({
      ok: false,
      error: 'GCP cloud cld_gone, which asked for asia-east1, is gone',
    });
  });
});

describe('skuRate', () => {
  const sku = (description: string, over: Record<string, unknown> = {}) => ({
    description,
    category: { resourceFamily: 'Compute', usageType: 'OnDemand' },
    serviceRegions: ['us-central1'],
    pricingInfo: [
      {
        pricingExpression: {
          usageUnit: / Ram /.test(description) ? 'GiBy.h' : 'h',
          tieredRates: [
            { startUsageAmount: 0, unitPrice: { currencyCode: 'USD', units: '0', nanos: 31611000 } },
          ],
        },
      },
    ],
    ...over,
  });

  it('reads the family and resource of the documented descriptions, units + nanos as the price', () => {
    expect(skuRate(sku('N1 Predefined Instance Core running in Americas'), 'us-central1')).toEqual({
      family: 'n1',
      resource: 'core',
      price: 0.031611,
    });
    expect(skuRate(sku('N2D AMD Instance Ram running in Americas'), 'us-central1')).toMatchObject({
      family: 'n2d',
      resource: 'ram',
    });
    expect(skuRate(sku('T2D AMD Instance Core running in Americas'), 'us-central1')?.family).toBe('t2d');
  });

  it('skips other regions, usage types, custom and sole-tenancy SKUs', () => {
    expect(skuRate(sku('N2 Instance Core running in Americas'), 'europe-west1')).toBeNull();
    expect(
      skuRate(
        sku('N2 Instance Core running in Americas', {
          category: { resourceFamily: 'Compute', usageType: 'Preemptible' },
        }),
        'us-central1',
      ),
    ).toBeNull();
    expect(skuRate(sku('N2 Custom Instance Core running in Americas'), 'us-central1')).toBeNull();
    expect(skuRate(sku('N2 Sole Tenancy Instance Core running in Americas'), 'us-central1')).toBeNull();
  });
});
