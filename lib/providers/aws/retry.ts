/**
 * Our documented answer to EC2 throttling: exponential backoff with full jitter (AWS's recommended
 * variant: every wait is random in [0, min(cap, base * 2^n)], so the many Lambda invocations polling the
 * same account do not retry in lockstep). The SDK retries too, but its maxAttempts is kept small so
 * this is the behaviour that counts; only throttling is retried here, never a mutation that may have run.
 */
import { type BackoffOptions, retryThrottled } from '../backoff.js';
import type { MapErrorOptions } from '../errors.js';
import { isThrottlingError, mapAwsError } from './errors.js';

export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from '../backoff.js';

/** Run one AWS call, retrying throttling, and map whatever fails at the end to a provider error. */
export function callWithBackoff<T>(
  context: string,
  fn: () => Promise<T>,
  options: BackoffOptions,
  mapOptions: Omit<MapErrorOptions, 'attempts'> = {},
): Promise<T> {
  return retryThrottled(fn, options, {
    isThrottled: isThrottlingError,
    fail: (err, attempts) => mapAwsError(err, context, { ...mapOptions, attempts }),
  });
}
