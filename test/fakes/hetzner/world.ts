/**
 * A fresh fake with a driver config and deps pointing at it: backoff and poll sleeps recorded, never
 * slept; actions polled at once; the faults every conformance world offers.
 */
import type { HetznerDriverConfig, HetznerDriverDeps } from '../../../lib/providers/hetzner/client.js';
import { FAKE_TOKEN, HetznerFake } from './fake.js';

export interface HetznerWorld {
  fake: HetznerFake;
  config: HetznerDriverConfig;
  deps: HetznerDriverDeps;
  sleeps: number[];
  failAuthentication(): void;
  throttle(times: number): void;
  backoffSleeps(): number;
  close(): Promise<void>;
}

export async function hetznerWorld(
  regions: string[] = ['fsn1', 'hel1'],
  deps: HetznerDriverDeps = {},
): Promise<HetznerWorld> {
  const fake = await HetznerFake.start();
  const sleeps: number[] = [];
  return {
    fake,
    config: { cloudId: 'cloud-hz', regions, credentials: { token: FAKE_TOKEN }, endpoint: fake.url },
    deps: {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      maxAttempts: 4,
      actionPollMs: 0,
      actionTimeoutMs: 1000,
      shutdownTimeoutMs: 5,
      ...deps,
    },
    sleeps,
    failAuthentication: () => fake.failNext(1, 401, 'unauthorized'),
    throttle: (times) => fake.failNext(times, 429, 'rate_limit_exceeded'),
    backoffSleeps: () => sleeps.length,
    close: () => fake.close(),
  };
}
