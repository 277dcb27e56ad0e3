/**
 * Backoff with full jitter, shared by every driver: every wait is random in [0, min(cap, base * 2^n)], so
 * the many Lambda invocations polling one account do not retry in lockstep (AWS's recommended variant).
 */
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

/** What every driver takes so tests never wait: the backoff's sleep and jitter, its tries, the clock. */
export interface BackoffDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Tries per call when the provider throttles us, the first included. */
  maxAttempts?: number;
  now?: () => Date;
}

export interface ThrottleRetry {
  isThrottled: (err: unknown) => boolean;
  /** What the provider asked us to wait at least (a Retry-After), in ms. */
  minWaitMs?: (err: unknown) => number;
  /** The provider error that a failure becomes, once retrying is over. */
  fail: (err: unknown, attempts: number) => Error;
}

/**
 * Run one provider call, retrying throttling only (never another failure: a mutation may have run), and
 * turn whatever fails at the end into the provider's error.
 */
export async function retryThrottled<T>(
  fn: () => Promise<T>,
  options: BackoffOptions,
  how: ThrottleRetry,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (how.isThrottled(err) && attempt < options.maxAttempts) {
        await options.sleep(Math.max(backoffDelay(attempt, options), how.minWaitMs?.(err) ?? 0));
        continue;
      }
      throw how.fail(err, attempt);
    }
  }
}
