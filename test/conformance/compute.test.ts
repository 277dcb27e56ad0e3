/**
 * Every provider's compute driver against the one conformance suite (compute-suite.ts): the simulator
 * with its MongoDB store and a clock, Compute Engine and Azure against their fakes on 127.0.0.1 through
 * their official SDKs. No real waits: backoff sleeps are recorded, operations are polled at once.
 */
import { ensureIndexes } from '../../lib/db/collections.js';
import { MongoSimStore } from '../../lib/db/sim-store.js';
import { newId } from '../../lib/model/common.js';
import { AzureComputeDriver } from '../../lib/providers/azure/compute.js';
import { GcpComputeDriver } from '../../lib/providers/gcp/compute.js';
import { SimComputeDriver } from '../../lib/providers/sim/compute.js';
import { ArmFake, CLIENT, SECRET, SUBSCRIPTION, TENANT } from '../fakes/azure/arm-fake.js';
import { GcpComputeFake } from '../fakes/gcp/compute-fake.js';
import { useTestDatabase } from '../helpers/mongo.js';
import { credentials as gcpCredentials } from '../unit/gcp/fixtures.js';
import { computeConformance } from './compute-suite.js';

const recorder = () => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 };
};

const t = useTestDatabase('conformance');

computeConformance({
  provider: 'sim',
  regions: ['sim-east-1', 'sim-west-1'],
  inRegion: (m, region) => m.region === region,
  create: { image: 'sim-debian-12', size: 'sim.small' },
  resizeTo: 'sim.large',
  missing: { externalId: 'sim-nope', region: 'sim-east-1' },
  countedThrottling: false,
  async world() {
    await ensureIndexes(t.db);
    const transitionMs = 2_000;
    let clock = new Date('2026-12-01T10:00:00Z');
    const faults = { auth: false, throttleRate: 0, timeoutRate: 0 };
    const settings = { machines: 0, seed: 1, transitionMs, latencyMs: 0, faults };
    const r = recorder();
    const driver = new SimComputeDriver(settings, {
      store: new MongoSimStore(t.db, newId('cloud')),
      now: () => clock,
      sleep: r.sleep,
    });
    const settle = async () => {
      clock = new Date(clock.getTime() + transitionMs + 1);
    };
    return {
      driver,
      settle,
      async seed(machines) {
        for (const m of machines) {
          const made = await driver.createMachine({
            name: m.name,
            region: m.region,
            image: 'sim-debian-12',
            size: 'sim.small',
          });
          await settle();
          if (m.state === 'stopped')
            await driver.stopMachine({ externalId: made.externalId, region: made.region });
        }
        await settle();
      },
      failAuthentication: () => {
        faults.auth = true;
      },
      // The simulator throttles by rate, not by count: a rate of 1 is every try.
      throttle: () => {
        faults.throttleRate = 1;
      },
      backoffSleeps: () => r.sleeps.length,
      close: async () => {},
    };
  },
});

computeConformance({
  provider: 'gcp',
  regions: ['europe-west1', 'us-central1'],
  outsideRegion: 'asia-east1',
  inRegion: (m, region) => m.region.startsWith(`${region}-`),
  create: { image: 'projects/debian-cloud/global/images/debian-12', size: 'e2-small' },
  resizeTo: 'e2-medium',
  missing: { externalId: 'nope', region: 'europe-west1-b' },
  countedThrottling: true,
  async world() {
    const fake = new GcpComputeFake();
    const endpoint = await fake.start();
    const r = recorder();
    const driver = new GcpComputeDriver(
      {
        cloudId: 'cloud-gcp',
        regions: ['europe-west1', 'us-central1'],
        credentials: gcpCredentials,
        endpoint,
      },
      { sleep: r.sleep, random: r.random, maxAttempts: 3 },
    );
    return {
      driver,
      settle: async () => {},
      async seed(machines) {
        for (const m of machines) {
          fake.seed(fake.zonesOf(m.region)[0]!, m.name, {
            status: m.state === 'running' ? 'RUNNING' : 'TERMINATED',
          });
        }
      },
      failAuthentication: () => fake.failNext(1, 401, { reason: 'authError' }),
      throttle: (times) => fake.failNext(Number.isFinite(times) ? times : 1000, 429),
      backoffSleeps: () => r.sleeps.length,
      close: () => fake.stop(),
    };
  },
});

computeConformance({
  provider: 'azure',
  regions: ['westeurope', 'northeurope'],
  outsideRegion: 'eastus',
  inRegion: (m, region) => m.region === region,
  create: {
    image: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
    size: 'Standard_B1s',
    subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default`,
  },
  resizeTo: 'Standard_D4s_v5',
  missing: {
    externalId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines/nope`,
    region: 'westeurope',
  },
  countedThrottling: true,
  async world() {
    const fake = await ArmFake.start();
    const r = recorder();
    const driver = new AzureComputeDriver(
      {
        cloudId: 'cloud-az',
        regions: ['westeurope', 'northeurope'],
        credentials: {
          tenantId: TENANT,
          clientId: CLIENT,
          clientSecret: SECRET,
          subscriptionId: SUBSCRIPTION,
        },
        endpoint: fake.url,
      },
      { sleep: r.sleep, random: r.random, maxAttempts: 3, pollIntervalMs: 1, tlsCa: fake.ca },
    );
    return {
      driver,
      settle: async () => {},
      async seed(machines) {
        for (const m of machines) {
          fake.seedVm({
            resourceGroup: `rg-${m.region}`,
            name: m.name,
            location: m.region,
            power: m.state === 'running' ? 'running' : 'deallocated',
          });
        }
      },
      failAuthentication: () => fake.inject(1, 401, 'InvalidAuthenticationToken'),
      throttle: (times) =>
        fake.inject(Number.isFinite(times) ? times : 1000, 429, 'TooManyRequests', { retryAfter: '0' }),
      backoffSleeps: () => r.sleeps.length,
      close: () => fake.close(),
    };
  },
});
