/**
 * The DigitalOcean network driver against the network conformance suite: VPCs on the v2 API's fake on
 * 127.0.0.1. DigitalOcean VPCs have no subnets (DIGITALOCEAN_NETWORK_LIMITS.subnets false): a machine
 * joins the VPC itself, and a VPC with a member is not deleted.
 */
import { DigitalOceanNetworkDriver } from '../../lib/providers/digitalocean/network.js';
import { seedDroplet } from '../fakes/digitalocean/droplet-routes.js';
import { digitalOceanWorld } from '../fakes/digitalocean/world.js';
import { networkConformance } from './network-suite.js';

networkConformance({
  provider: 'digitalocean',
  region: 'fra1',
  missing: { externalId: '00000000-0000-4000-8000-000000000000', region: 'fra1' },
  countedThrottling: true,
  async world() {
    const w = await digitalOceanWorld(['fra1']);
    let machines = 0;
    return {
      ...w,
      driver: new DigitalOceanNetworkDriver(w.config, w.deps),
      attachMachine: async () => {
        throw new Error('DigitalOcean VPCs have no subnets');
      },
      async attachMachineToNetwork(network) {
        seedDroplet(w.fake, {
          name: `member-${++machines}`,
          region: network.region,
          vpc: network.externalId,
        });
      },
    };
  },
});
