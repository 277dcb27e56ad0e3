/**
 * Our documented answer to EC2 throttling: exponential backoff with full jitter (AWS's recommended
 * variant: every wait is random in [0, min(cap, base * 2^n)], so the many Lambda invocations polling the
 * same account do not retry in lockstep). The SDK retries too, but its maxAttempts is kept small so
 * this is the behaviour that counts; only throttling is retried here, never a mutation that may have run.
 */
import { isThrottlingError, type MapAwsErrorOptions, mapAwsError } from './errors.js';

export interface BackoffOptions {
  /** Total tries, the first one included. */
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  maxAttempts: 5,
  baseMs: 250,
  capMs: 8000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** The wait before try number `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, options: Pick<BackoffOptions, 'baseMs' | 'capMs' | 'random'>) {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1));
  return Math.floor(options.random() * ceiling);
}

/** Run one AWS call, retrying throttling, and map whatever fails at the end to a provider error. */
export async function callWithBackoff<T>(
  context: string,
  fn: () => Promise<T>,
  options: BackoffOptions,
  mapOptions: Omit<MapAwsErrorOptions, 'attempts'> = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (isThrottlingError(err) && attempt < options.maxAttempts) {
        await options.sleep(backoffDelay(attempt, options));
        continue;
      }
      throw mapAwsError(err, context, { ...mapOptions, attempts: attempt });
    }
  }
}
