/** The simulated dns driver against the dns conformance suite, with its MongoDB store and a clock. */
import { ensureIndexes } from '../../lib/db/collections.js';
import { MongoSimNetStore } from '../../lib/db/sim-net-store.js';
import { newId } from '../../lib/model/common.js';
import { SimDnsDriver } from '../../lib/providers/sim/dns.js';
import { useTestDatabase } from '../helpers/mongo.js';
import { dnsConformance } from './dns-suite.js';
import { simFaults } from './world.js';

const t = useTestDatabase('conformance-dns');
const vpc = { region: 'sim-east-1', vpcId: 'vpc-0c0nf0rmance0001' };

dnsConformance({
  provider: 'sim',
  privateVpc: vpc,
  missingZoneId: 'ZNOSUCHZONE0001',
  countedThrottling: false,
  async world() {
    await ensureIndexes(t.db);
    const transitionMs = 30_000;
    let clock = new Date('2026-12-01T10:00:00Z');
    const faults = { auth: false, throttleRate: 0, timeoutRate: 0 };
    const store = new MongoSimNetStore(t.db, newId('cloud'));
    await store.put('network', vpc.vpcId, {
      externalId: vpc.vpcId,
      name: 'conformance',
      cidr: '10.9.0.0/16',
      region: vpc.region,
      state: 'available',
      isDefault: false,
      tags: {},
    });
    const driver = new SimDnsDriver({ transitionMs, latencyMs: 0, faults }, { store, now: () => clock });
    return {
      driver,
      settle: async () => {
        clock = new Date(clock.getTime() + transitionMs);
      },
      ...simFaults(faults),
    };
  },
});
