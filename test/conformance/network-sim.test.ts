/** The simulated network driver against the network conformance suite, machines from its compute driver. */
import { ensureIndexes } from '../../lib/db/collections.js';
import { MongoSimNetStore } from '../../lib/db/sim-net-store.js';
import { MongoSimStore } from '../../lib/db/sim-store.js';
import { newId } from '../../lib/model/common.js';
import { SimComputeDriver } from '../../lib/providers/sim/compute.js';
import { SimNetworkDriver } from '../../lib/providers/sim/network.js';
import { useTestDatabase } from '../helpers/mongo.js';
import { networkConformance } from './network-suite.js';
import { simFaults } from './world.js';

const t = useTestDatabase('conformance-net');

networkConformance({
  provider: 'sim',
  region: 'sim-east-1',
  zone: 'sim-east-1a',
  missing: { externalId: 'vpc-0n0such0000000001', region: 'sim-east-1' },
  countedThrottling: false,
  async world() {
    await ensureIndexes(t.db);
    const clock = new Date('2026-12-01T10:00:00Z');
    const faults = { auth: false, throttleRate: 0, timeoutRate: 0 };
    const settings = { machines: 0, seed: 1, transitionMs: 0, latencyMs: 0, faults };
    const cloudId = newId('cloud');
    const store = new MongoSimNetStore(t.db, cloudId);
    const machines = new MongoSimStore(t.db, cloudId);
    const now = () => clock;
    const driver = new SimNetworkDriver(settings, { store, machines, now });
    const compute = new SimComputeDriver(settings, { store: machines, networks: store, now });
    return {
      driver,
      async attachMachine(subnet) {
        await compute.createMachine({
          name: 'inside',
          region: subnet.region,
          image: 'sim-debian-12',
          size: 'sim.small',
          subnetId: subnet.externalId,
        });
      },
      ...simFaults(faults),
    };
  },
});
