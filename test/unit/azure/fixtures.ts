/** The drivers wired to a fresh ARM fake: real SDKs, real HTTPS, 127.0.0.1 only, no real waiting. */
import { afterEach, beforeEach } from 'vitest';
import { AzureComputeDriver } from '../../../lib/providers/azure/compute.js';
import type { AzureCloudConfig, AzureDriverDeps } from '../../../lib/providers/azure/setup.js';
import { ArmFake, CLIENT, SECRET, SUBSCRIPTION, TENANT } from '../../fakes/azure/arm-fake.js';

export const credentials = {
  tenantId: TENANT,
  clientId: CLIENT,
  clientSecret: SECRET,
  subscriptionId: SUBSCRIPTION,
};

export type FixtureOptions = { regions?: string[]; secret?: string } & AzureDriverDeps;

/** A cloud's config and test seams pointing at the fake; backoff sleeps are recorded, never slept. */
export function fakeCloud(fake: ArmFake, options: FixtureOptions = {}) {
  const sleeps: number[] = [];
  const { regions, secret, ...rest } = options;
  const config: AzureCloudConfig = {
    cloudId: 'cloud-az',
    regions: regions ?? ['westeurope', 'northeurope'],
    credentials: { ...credentials, clientSecret: secret ?? SECRET },
    endpoint: fake.url,
  };
  const deps: AzureDriverDeps = {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    maxAttempts: 3,
    pollIntervalMs: 1,
    tlsCa: fake.ca,
    ...rest,
  };
  return { config, deps, sleeps };
}

export function makeDriver(fake: ArmFake, options: FixtureOptions = {}) {
  const { config, deps, sleeps } = fakeCloud(fake, options);
  return { driver: new AzureComputeDriver(config, deps), sleeps };
}

/**
 * A fresh ARM fake for each test of the file (handed to `started`), closed after the test; answers a
 * factory of `Driver`s wired to the current fake.
 */
export function useArmFake<D>(
  Driver: new (config: AzureCloudConfig, deps: AzureDriverDeps) => D,
  started: (fake: ArmFake) => void,
): (options?: FixtureOptions) => { driver: D; sleeps: number[] } {
  let fake: ArmFake | undefined;
  beforeEach(async () => {
    fake = await ArmFake.start();
    started(fake);
  });
  afterEach(() => fake?.close());
  return (options = {}) => {
    const { config, deps, sleeps } = fakeCloud(fake!, options);
    return { driver: new Driver(config, deps), sleeps };
  };
}

/**
 * What a conformance world asks of the fake: the next call's token refused, `times` tries throttled
 * (Retry-After 0: the SDK's own single retry then waits for nothing), the backoff sleeps so far.
 */
export function fakeFaults(fake: ArmFake, sleeps: readonly number[]) {
  return {
    failAuthentication: () => fake.inject(1, 401, 'InvalidAuthenticationToken'),
    throttle: (times: number) =>
      fake.inject(Number.isFinite(times) ? times : 1000, 429, 'TooManyRequests', { retryAfter: '0' }),
    backoffSleeps: () => sleeps.length,
    close: () => fake.close(),
  };
}
