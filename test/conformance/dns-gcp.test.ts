/** The GCP dns driver against the dns conformance suite: Cloud DNS on the fake Google host. */
import { GcpDnsDriver } from '../../lib/providers/gcp/dns.js';
import { GcpDnsFake } from '../fakes/gcp/dns-fake.js';
import { gcpWorld, preloadGcpSdks } from '../fakes/gcp/world.js';
import { dnsConformance } from './dns-suite.js';

/** A private zone answers in a VPC network, named as the network driver names it. */
const vpc = { region: 'global', vpcId: 'conformance-net' };

preloadGcpSdks();

dnsConformance({
  provider: 'gcp',
  privateVpc: vpc,
  missingZoneId: '4999999999',
  countedThrottling: true,
  async world() {
    const w = await gcpWorld();
    const dns = new GcpDnsFake(w.fake);
    w.fake.vpc.seedNetwork(vpc.vpcId);
    return {
      ...w,
      driver: new GcpDnsDriver(w.config, w.deps),
      settle: async () => dns.settle(),
    };
  },
});
