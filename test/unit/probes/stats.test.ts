import { describe, expect, it } from 'vitest';
import { probeStats } from '../../../lib/net/probe-stats.js';

describe('probe statistics', () => {
  it('reports min, avg, max and the population standard deviation over the answered attempts', () => {
    expect(probeStats([1, 2, 3, 4])).toEqual({
      attempts: 4,
      received: 4,
      lossPercent: 0,
      rttMs: { min: 1, avg: 2.5, max: 4, stddev: 1.118 },
    });
  });

  it('counts failed attempts as loss and leaves them out of the round trips', () => {
    expect(probeStats([10, null, 20])).toEqual({
      attempts: 3,
      received: 2,
      lossPercent: 33.333,
      rttMs: { min: 10, avg: 15, max: 20, stddev: 5 },
    });
  });

  it('has no round trips and 100 % loss when nothing answered', () => {
    expect(probeStats([null, null, null])).toEqual({
      attempts: 3,
      received: 0,
      lossPercent: 100,
      rttMs: null,
    });
  });

  it('treats zero attempts as total loss rather than dividing by zero', () => {
    expect(probeStats([])).toEqual({ attempts: 0, received: 0, lossPercent: 100, rttMs: null });
  });

  it('has a zero deviation for a single answer, rounded to microseconds', () => {
    expect(probeStats([0.123456]).rttMs).toEqual({ min: 0.123, avg: 0.123, max: 0.123, stddev: 0 });
  });
});
