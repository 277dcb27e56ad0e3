/**
 * A DigitalOcean world for tests: the fake on 127.0.0.1 and a driver config pointed at it, backoff
 * sleeps recorded and never slept, actions polled at once, plus the faults the conformance suites ask for.
 */
import type {
  DigitalOceanCloudConfig,
  DigitalOceanDriverDeps,
} from '../../../lib/providers/digitalocean/client.js';
import { DigitalOceanFake, TOKEN } from './fake.js';

export interface DigitalOceanWorld {
  fake: DigitalOceanFake;
  config: DigitalOceanCloudConfig;
  deps: DigitalOceanDriverDeps;
  sleeps: number[];
  failAuthentication(): void;
  throttle(times: number): void;
  backoffSleeps(): number;
  close(): Promise<void>;
}

export async function digitalOceanWorld(
  regions: string[] = ['fra1', 'ams3'],
  deps: DigitalOceanDriverDeps = {},
): Promise<DigitalOceanWorld> {
  const fake = await DigitalOceanFake.start();
  const sleeps: number[] = [];
  return {
    fake,
    config: { cloudId: 'cloud-do', regions, credentials: { token: TOKEN }, endpoint: fake.url },
    deps: {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      maxAttempts: 3,
      actionPollMs: 0,
      ...deps,
    },
    sleeps,
    failAuthentication: () => fake.failNext(1, 401),
    throttle: (times) => fake.failNext(Number.isFinite(times) ? times : 1000, 429),
    backoffSleeps: () => sleeps.length,
    close: () => fake.close(),
  };
}
