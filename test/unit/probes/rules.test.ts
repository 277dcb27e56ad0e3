import { describe, expect, it } from 'vitest';
import {
  defaultProbeSettings,
  isProbeDue,
  nextProbeAfter,
  nextUnreachableSince,
  probeHost,
  probePort,
  probeSettings,
  providersProbedByDefault,
} from '../../../lib/probes/rules.js';
import { simulatedTcpProbe } from '../../../lib/providers/sim/probe.js';

const now = new Date('2026-11-25T12:00:00Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

describe('outage bookkeeping (unreachableSince)', () => {
  it('starts an outage at the first failure', () => {
    expect(nextUnreachableSince(null, false, now)).toEqual(now);
    expect(nextUnreachableSince(undefined, false, now)).toEqual(now);
  });

  it('keeps the first failure while the outage lasts', () => {
    const first = minutes(-30);
    expect(nextUnreachableSince(first, false, now)).toBe(first);
  });

  it('ends the outage on a success', () => {
    expect(nextUnreachableSince(minutes(-30), true, now)).toBeNull();
    expect(nextUnreachableSince(null, true, now)).toBeNull();
  });
});

describe('is a periodic probe due', () => {
  const machine = (over: object = {}) => ({
    state: 'running' as const,
    missingSince: null,
    nextProbeAt: null,
    ...over,
  });

  it('is due for a machine never probed', () => {
    expect(isProbeDue(machine(), now)).toBe(true);
    expect(isProbeDue({ state: 'running', missingSince: null }, now)).toBe(true);
  });

  it('is due once nextProbeAt has come, and not before', () => {
    expect(isProbeDue(machine({ nextProbeAt: now }), now)).toBe(true);
    expect(isProbeDue(machine({ nextProbeAt: minutes(-1) }), now)).toBe(true);
    expect(isProbeDue(machine({ nextProbeAt: minutes(1) }), now)).toBe(false);
  });

  it('never probes a stopped, terminated or missing machine', () => {
    expect(isProbeDue(machine({ state: 'stopped' }), now)).toBe(false);
    expect(isProbeDue(machine({ state: 'terminated' }), now)).toBe(false);
    expect(isProbeDue(machine({ missingSince: minutes(-5) }), now)).toBe(false);
  });

  it('probes machines whose state says nothing about reachability (unknown, error)', () => {
    expect(isProbeDue(machine({ state: 'unknown' }), now)).toBe(true);
    expect(isProbeDue(machine({ state: 'error' }), now)).toBe(true);
  });

  it('schedules the next probe one interval later', () => {
    expect(nextProbeAfter({ intervalMinutes: 5 }, now)).toEqual(minutes(5));
  });
});

describe('probe settings and targets', () => {
  it('probes bring-your-own hosts by default, and aws and sim clouds only when asked', () => {
    expect(defaultProbeSettings('ssh')).toMatchObject({ enabled: true, intervalMinutes: 5, port: null });
    expect(defaultProbeSettings('aws')).toMatchObject({ enabled: false, intervalMinutes: 5, attempts: 3 });
    expect(defaultProbeSettings('sim').enabled).toBe(false);
    expect(providersProbedByDefault()).toEqual(['ssh']);
  });

  it("lays a cloud's stored settings over its provider's defaults", () => {
    expect(probeSettings({ provider: 'aws', probes: { enabled: true, port: 2222 } })).toMatchObject({
      enabled: true,
      port: 2222,
      intervalMinutes: 5,
      retentionDays: 30,
    });
    expect(probeSettings({ provider: 'aws', probes: null })).toEqual(defaultProbeSettings('aws'));
  });

  it('connects to the public address first, else the private one', () => {
    expect(probeHost({ publicIps: ['127.0.0.2'], privateIps: ['127.0.0.3'] })).toBe('127.0.0.2');
    expect(probeHost({ publicIps: [], privateIps: ['127.0.0.3'] })).toBe('127.0.0.3');
    expect(probeHost({ publicIps: [], privateIps: [] })).toBeNull();
  });

  it("uses the configured port, else the machine's SSH port, else 22", () => {
    expect(probePort({ port: 443 }, 2222)).toBe(443);
    expect(probePort({ port: null }, 2222)).toBe(2222);
    expect(probePort({ port: null })).toBe(22);
  });
});

describe('simulated probes (sim clouds)', () => {
  it('answers every attempt of a running machine, the same way each time', () => {
    const a = simulatedTcpProbe({ id: 'mch_a', state: 'running', host: '203.0.113.5' }, 22, 3);
    expect(a).toMatchObject({ reachable: true, received: 3, lossPercent: 0, simulated: true, error: null });
    expect(a.rttMs!.min).toBeGreaterThanOrEqual(1);
    expect(a.rttMs!.max).toBeLessThanOrEqual(53);
    expect(simulatedTcpProbe({ id: 'mch_a', state: 'running', host: '203.0.113.5' }, 22, 3)).toEqual(a);
  });

  it('loses every attempt of a machine that is not running', () => {
    expect(simulatedTcpProbe({ id: 'mch_b', state: 'stopped', host: 'none' }, 22, 3)).toMatchObject({
      reachable: false,
      received: 0,
      lossPercent: 100,
      rttMs: null,
      error: 'simulated: the machine is stopped',
    });
  });
});
