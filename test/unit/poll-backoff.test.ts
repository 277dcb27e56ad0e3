import { describe, expect, it } from 'vitest';
import { decidePollFailure, MAX_BACKOFF_MS } from '../../lib/inventory/backoff.js';

const now = new Date('2026-11-25T12:00:00Z');
const cloud = (
  over: { consecutiveFailures?: number; failingSince?: Date | null; pollIntervalMinutes?: number } = {},
) => ({
  pollIntervalMinutes: 10,
  consecutiveFailures: 0,
  failingSince: null,
  ...over,
});

describe('what a failed poll does to its cloud', () => {
  it('waits one interval after the first failure, then doubles', () => {
    expect(decidePollFailure(cloud(), now).nextPollAt).toEqual(new Date(now.getTime() + 10 * 60_000));
    expect(decidePollFailure(cloud({ consecutiveFailures: 1 }), now).nextPollAt).toEqual(
      new Date(now.getTime() + 20 * 60_000),
    );
    expect(decidePollFailure(cloud({ consecutiveFailures: 3 }), now).nextPollAt).toEqual(
      new Date(now.getTime() + 80 * 60_000),
    );
  });

  it('never waits more than six hours between attempts', () => {
    const d = decidePollFailure(cloud({ consecutiveFailures: 50 }), now);
    expect(d.nextPollAt.getTime() - now.getTime()).toBe(MAX_BACKOFF_MS);
  });

  it('remembers when the failures began', () => {
    expect(decidePollFailure(cloud(), now).failingSince).toEqual(now);
    const since = new Date('2026-11-24T00:00:00Z');
    expect(
      decidePollFailure(cloud({ consecutiveFailures: 4, failingSince: since }), now).failingSince,
    ).toEqual(since);
  });

  it('disables the cloud after more than 100 failures in a row', () => {
    expect(decidePollFailure(cloud({ consecutiveFailures: 99, failingSince: now }), now).disable).toBeNull();
    expect(decidePollFailure(cloud({ consecutiveFailures: 100, failingSince: now }), now).disable).toMatch(
      /101 times/,
    );
  });

  it('disables the cloud once it has failed for more than two days', () => {
    const since = new Date(now.getTime() - 2 * 86_400_000 - 1);
    expect(decidePollFailure(cloud({ consecutiveFailures: 5, failingSince: since }), now).disable).toMatch(
      /failed since/,
    );
    const recent = new Date(now.getTime() - 2 * 86_400_000);
    expect(
      decidePollFailure(cloud({ consecutiveFailures: 5, failingSince: recent }), now).disable,
    ).toBeNull();
  });
});
