/**
 * The Azure DNS driver against the dns conformance suite: the real @azure/arm-dns SDK over HTTPS to the
 * ARM fake on 127.0.0.1, backoff sleeps recorded. Azure applies changes at once (settle has nothing to
 * wait for) and serves public zones only here (private zones are Azure Private DNS), as
 * CAPABILITIES.azure says (privateZones: false): the suite checks that it refuses them.
 */
import { AzureDnsDriver } from '../../lib/providers/azure/dns.js';
import { ArmFake, SUBSCRIPTION } from '../fakes/azure/arm-fake.js';
import { fakeCloud, fakeFaults } from '../unit/azure/fixtures.js';
import { dnsConformance } from './dns-suite.js';

dnsConformance({
  provider: 'azure',
  privateVpc: null,
  missingZoneId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/nimbo-dns/providers/Microsoft.Network/dnszones/nope.example.com`,
  countedThrottling: true,
  async world() {
    const fake = await ArmFake.start();
    const { config, deps, sleeps } = fakeCloud(fake, { regions: ['westeurope'] });
    return {
      driver: new AzureDnsDriver(config, deps),
      settle: async () => {},
      ...fakeFaults(fake, sleeps),
    };
  },
});
