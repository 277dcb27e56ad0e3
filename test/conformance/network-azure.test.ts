/**
 * The Azure network driver against the network conformance suite: the real @azure/arm-network SDK over
 * HTTPS to the ARM fake on 127.0.0.1, backoff sleeps recorded, operations polled at once. The suite
 * asks what AZURE_NETWORK_LIMITS say (NETWORK_LIMITS.azure).
 */
import { AzureNetworkDriver } from '../../lib/providers/azure/network.js';
import { ArmFake, SUBSCRIPTION } from '../fakes/azure/arm-fake.js';
import { attachNic } from '../fakes/azure/arm-network-routes.js';
import { fakeCloud, fakeFaults } from '../unit/azure/fixtures.js';
import { networkConformance } from './network-suite.js';

networkConformance({
  provider: 'azure',
  region: 'westeurope',
  missing: {
    externalId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/nimbo-westeurope/providers/Microsoft.Network/virtualNetworks/nope`,
    region: 'westeurope',
  },
  countedThrottling: true,
  async world() {
    const fake = await ArmFake.start();
    const { config, deps, sleeps } = fakeCloud(fake, { regions: ['westeurope'] });
    let nics = 0;
    return {
      driver: new AzureNetworkDriver(config, deps),
      async attachMachine(subnet) {
        if (!attachNic(fake, subnet.externalId, `vm-${++nics}-nic`)) {
          throw new Error(`the fake has no subnet ${subnet.externalId}`);
        }
      },
      ...fakeFaults(fake, sleeps),
    };
  },
});
