/**
 * The Hetzner Cloud DNS driver against the dns conformance suite: zones and RRSets of the Cloud API fake,
 * public zones only, changes INSYNC once their action succeeded (settle finishes every action).
 */
import { HetznerDnsDriver } from '../../lib/providers/hetzner/dns.js';
import { hetznerWorld } from '../fakes/hetzner/world.js';
import { dnsConformance } from './dns-suite.js';

dnsConformance({
  provider: 'hetzner',
  privateVpc: null,
  missingZoneId: '999999999',
  countedThrottling: true,
  async world() {
    const w = await hetznerWorld();
    return {
      ...w,
      driver: new HetznerDnsDriver(w.config, w.deps),
      settle: async () => w.fake.state.settle(),
    };
  },
});
