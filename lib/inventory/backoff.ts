/**
 * What a failing poll does to its cloud, decided as a pure function of (cloud, now): the next poll
 * backs off exponentially from the cloud's interval, and a cloud that keeps failing is disabled with the
 * reason recorded (mist: more than 100 failures, or failing for more than 2 days).
 */
import type { CloudDoc } from '../db/documents.js';

export const MAX_BACKOFF_MS = 6 * 3_600_000;
export const DISABLE_AFTER_FAILURES = 100;
export const DISABLE_AFTER_FAILING_MS = 2 * 86_400_000;

export interface PollFailureDecision {
  consecutiveFailures: number;
  failingSince: Date;
  nextPollAt: Date;
  disable: string | null;
}

export function decidePollFailure(
  cloud: Pick<CloudDoc, 'pollIntervalMinutes' | 'consecutiveFailures' | 'failingSince'>,
  now: Date,
): PollFailureDecision {
  const failures = cloud.consecutiveFailures + 1;
  const failingSince = cloud.failingSince ?? now;
  const base = cloud.pollIntervalMinutes * 60_000;
  const delay = Math.min(base * 2 ** Math.min(failures - 1, 20), Math.max(MAX_BACKOFF_MS, base));
  let disable: string | null = null;
  if (failures > DISABLE_AFTER_FAILURES) {
    disable = `polls failed ${failures} times in a row`;
  } else if (now.getTime() - failingSince.getTime() > DISABLE_AFTER_FAILING_MS) {
    disable = `polls have failed since ${failingSince.toISOString()}`;
  }
  return {
    consecutiveFailures: failures,
    failingSince,
    nextPollAt: new Date(now.getTime() + delay),
    disable,
  };
}
