/**
 * When a failed delivery is tried again, and when a webhook has failed long enough to be disabled.
 * Pure, with the clock passed in. The waits are the Standard Webhooks reference schedule (as Svix runs
 * it): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, so a delivery is tried 8 times over 27 h 35 min.
 */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;

export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** A webhook that has not had one success for this long, when a delivery runs out of tries, is disabled. */
export const DISABLE_AFTER_FAILING_MS = 24 * 3_600_000;

/** When attempt number `attempt + 1` is due after attempt `attempt` failed; null when none is left. */
export function nextAttemptAt(attempt: number, now: Date): Date | null {
  const wait = RETRY_DELAYS_MS[attempt - 1];
  return wait === undefined ? null : new Date(now.getTime() + wait);
}

/** Disabled when a delivery ran out of tries and nothing has got through for DISABLE_AFTER_FAILING_MS. */
export function shouldDisable(failingSince: Date | null, now: Date, retriesLeft: boolean): boolean {
  return (
    !retriesLeft &&
    failingSince !== null &&
    now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS
  );
}
