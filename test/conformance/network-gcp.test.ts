/** The GCP network driver against the network conformance suite: VPC networks on the fake Compute Engine. */
import { GcpNetworkDriver } from '../../lib/providers/gcp/network.js';
import { gcpWorld, preloadGcpSdks } from '../fakes/gcp/world.js';
import { networkConformance } from './network-suite.js';

preloadGcpSdks();

networkConformance({
  provider: 'gcp',
  region: 'europe-west1',
  missing: { externalId: 'no-such-network', region: 'global' },
  countedThrottling: true,
  async world() {
    const w = await gcpWorld();
    return {
      ...w,
      driver: new GcpNetworkDriver(w.config, w.deps),
      async attachMachine(subnet) {
        // externalId is <region>/<name>, as the driver lists subnets.
        w.fake.vpc.attachInstance(subnet.region, subnet.externalId.split('/').pop() ?? '');
      },
    };
  },
});
