/**
 * The Hetzner Cloud network driver against the network conformance suite: networks are global with a
 * range of their own, subnets land in the network zone of fsn1 (eu-central), as HETZNER_NETWORK_LIMITS say.
 */
import { HetznerNetworkDriver } from '../../lib/providers/hetzner/network.js';
import { parseSubnetId } from '../../lib/providers/hetzner/network-mapping.js';
import { seedServer } from '../fakes/hetzner/compute-routes.js';
import { hetznerWorld } from '../fakes/hetzner/world.js';
import { networkConformance } from './network-suite.js';

networkConformance({
  provider: 'hetzner',
  region: 'fsn1',
  missing: { externalId: '999999999', region: 'global' },
  countedThrottling: true,
  async world() {
    const w = await hetznerWorld(['fsn1']);
    return {
      ...w,
      driver: new HetznerNetworkDriver(w.config, w.deps),
      async attachMachine(subnet) {
        const { networkId, ipRange } = parseSubnetId(subnet.externalId);
        const server = seedServer(w.fake.state, `vm-${subnet.name}`, 'fsn1', 'running');
        server.privateNet.push({ network: Number(networkId), ip: ipRange.replace(/\d+\/\d+$/, '10') });
      },
    };
  },
});
