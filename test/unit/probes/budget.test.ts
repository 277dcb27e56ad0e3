import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../lib/core/errors.js';
import {
  assertProbeSettingsFit,
  fitProbeSettings,
  MAX_PROBE_JOB_SIZE,
  machineProbeWorstCaseMs,
  PROBE_CONCURRENCY,
  PROBE_JOB_BUDGET_MS,
  probeJobSize,
} from '../../../lib/probes/budget.js';
import { SSH_PROBE_WORST_CASE_MS } from '../../../lib/ssh/probe.js';

describe('probe job budget', () => {
  it('keeps 23 s for the SSH probe: two logins at the 5 s connect timeout, the 10 s command, 3 s to close', () => {
    expect(SSH_PROBE_WORST_CASE_MS).toBe(23_000);
    expect(PROBE_JOB_BUDGET_MS).toBe(45_000);
    expect(PROBE_CONCURRENCY).toBe(20);
  });

  it.each([
    // provider, attempts, timeoutMs, budget, machines per job: why
    ['aws', 3, 2_000, 45_000, 20], // defaults: 6 s TCP + 23 s SSH = 29 s, one wave
    ['ssh', 3, 2_000, 45_000, 20],
    ['aws', 1, 100, 45_000, 20], // 23.1 s: still one wave (the SSH probe dominates)
    ['aws', 5, 4_400, 45_000, 20], // 22 + 23 = 45 s exactly: one wave
    ['aws', 3, 2_000, 60_000, 40], // 29 s fits twice in 60 s
    ['aws', 3, 2_000, 120_000, 50], // four waves would be 80, capped at 50
    ['aws', 10, 10_000, 45_000, 20], // worse than the budget: never below one wave
    ['sim', 10, 10_000, 45_000, MAX_PROBE_JOB_SIZE], // simulated: no network time at all
    ['sim', 3, 2_000, 45_000, MAX_PROBE_JOB_SIZE],
  ] as const)(
    '%s, %i × %i ms within %i ms: %i machines per job',
    (provider, attempts, timeoutMs, budget, size) => {
      expect(probeJobSize(provider, { attempts, timeoutMs }, budget)).toBe(size);
    },
  );

  it('sizes by the concurrency given: waves × concurrency', () => {
    expect(probeJobSize('aws', { attempts: 1, timeoutMs: 1_000 }, 48_000, 5)).toBe(10);
    expect(machineProbeWorstCaseMs('aws', { attempts: 1, timeoutMs: 1_000 })).toBe(24_000);
    expect(machineProbeWorstCaseMs('sim', { attempts: 10, timeoutMs: 10_000 })).toBe(0);
  });

  it.each([
    ['aws', 10, 10_000, false],
    ['aws', 3, 10_000, false], // 30 s + 23 s
    ['ssh', 5, 4_500, false], // 22.5 s: just over the 22 s left
    ['aws', 5, 4_400, true], // 22 s exactly
    ['aws', 3, 2_000, true],
    ['sim', 10, 10_000, true], // never over the network
  ] as const)('settings on %s with %i × %i ms fit a job: %s', (provider, attempts, timeoutMs, fits) => {
    const check = () => assertProbeSettingsFit(provider, { attempts, timeoutMs });
    if (fits) expect(check).not.toThrow();
    else expect(check).toThrow(UnprocessableError);
  });

  it('says what fits when it refuses', () => {
    expect(() => assertProbeSettingsFit('aws', { attempts: 10, timeoutMs: 10_000 })).toThrow(
      'attempts × timeoutMs is 100000 ms; at most 22000 ms fit a probe job',
    );
  });

  it('clamps settings stored before the budget to fewer attempts, and leaves fitting ones alone', () => {
    const legacy = { enabled: true, attempts: 10, timeoutMs: 10_000 };
    expect(fitProbeSettings('aws', legacy)).toEqual({ enabled: true, attempts: 2, timeoutMs: 10_000 });
    expect(fitProbeSettings('aws', { attempts: 10, timeoutMs: 3_000 })).toEqual({
      attempts: 7,
      timeoutMs: 3_000,
    });
    expect(fitProbeSettings('sim', legacy)).toBe(legacy);
    const fine = { attempts: 3, timeoutMs: 2_000 };
    expect(fitProbeSettings('aws', fine)).toBe(fine);
    for (const timeoutMs of [100, 2_000, 7_333, 10_000]) {
      const fitted = fitProbeSettings('aws', { attempts: 10, timeoutMs });
      expect(fitted.attempts).toBeGreaterThanOrEqual(1);
      expect(machineProbeWorstCaseMs('aws', fitted)).toBeLessThanOrEqual(PROBE_JOB_BUDGET_MS);
    }
  });
});
