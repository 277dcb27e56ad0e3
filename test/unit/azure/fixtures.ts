/** The driver wired to a fresh ARM fake: real SDKs, real HTTPS, 127.0.0.1 only, no real waiting. */
import { AzureComputeDriver, type AzureDriverDeps } from '../../../lib/providers/azure/compute.js';
import { type ArmFake, CLIENT, SECRET, SUBSCRIPTION, TENANT } from '../../fakes/azure/arm-fake.js';

export const credentials = {
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: SECRET,
  subscriptionId: SUBSCRIPTION,
};

export function makeDriver(
  fake: ArmFake,
  options: { regions?: string[]; secret?: string } & AzureDriverDeps = {},
) {
  const sleeps: number[] = [];
  const { regions, secret, ...deps } = options;
  const driver = new AzureComputeDriver(
    {
      cloudId: 'cloud-az',
      regions: regions ?? ['westeurope', 'northeurope'],
      credentials: { ...credentials, clientSecret: secret ?? SECRET },
      endpoint: fake.url,
    },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      maxAttempts: 3,
      pollIntervalMs: 1,
      tlsCa: fake.ca,
      ...deps,
    },
  );
  return { driver, sleeps };
}
