import { describe, expect, it } from 'vitest';
import { MachineStateError } from '../../lib/providers/errors.js';
import { generateFleet } from '../../lib/providers/sim/fleet.js';
import {
  applyAction,
  isVisible,
  type SimMachine,
  settle,
  TERMINATED_VISIBLE_MS,
} from '../../lib/providers/sim/world.js';

const t0 = new Date('2026-11-25T10:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

function machine(state: SimMachine['state']): SimMachine {
  return { ...generateFleet(1, 7, t0)[0]!, state };
}

describe('the simulated machine lifecycle', () => {
  it('goes stopped -> pending -> running once the transition time has passed', () => {
    const started = applyAction(machine('stopped'), 'start', t0, 3000);
    expect(started.state).toBe('pending');
    expect(settle(started, later(2999)).state).toBe('pending');
    const running = settle(started, later(3000));
    expect(running.state).toBe('running');
    expect(running.target).toBeUndefined();
    expect(running.launchedAt).toEqual(later(3000));
  });

  it('goes running -> stopping -> stopped, and running -> rebooting -> running', () => {
    expect(settle(applyAction(machine('running'), 'stop', t0, 1000), later(1000)).state).toBe('stopped');
    const rebooting = applyAction(machine('running'), 'reboot', t0, 1000);
    expect(rebooting.state).toBe('rebooting');
    expect(settle(rebooting, later(1000)).state).toBe('running');
  });

  it('treats a start of a running machine and a stop of a stopped one as no-ops, as EC2 does', () => {
    const running = machine('running');
    expect(applyAction(running, 'start', t0, 1000)).toBe(running);
    const stopped = machine('stopped');
    expect(applyAction(stopped, 'stop', t0, 1000)).toBe(stopped);
  });

  it('refuses to reboot a stopped machine or start a terminated one', () => {
    expect(() => applyAction(machine('stopped'), 'reboot', t0, 1000)).toThrow(MachineStateError);
    expect(() => applyAction(machine('terminated'), 'start', t0, 1000)).toThrow(/it is terminated/);
  });

  it('keeps a destroyed machine visible as terminated for an hour, then drops it', () => {
    const destroyed = settle(applyAction(machine('running'), 'destroy', t0, 1000), later(1000));
    expect(destroyed.state).toBe('terminated');
    expect(isVisible(destroyed, later(TERMINATED_VISIBLE_MS - 1))).toBe(true);
    expect(isVisible(destroyed, later(TERMINATED_VISIBLE_MS))).toBe(false);
  });
});

describe('the generated fleet', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(generateFleet(50, 1, t0)).toEqual(generateFleet(50, 1, t0));
    expect(generateFleet(50, 2, t0).map((m) => m.name)).not.toEqual(
      generateFleet(50, 1, t0).map((m) => m.name),
    );
  });

  it('has unique external ids and a mix of running and stopped machines', () => {
    const fleet = generateFleet(1000, 3, t0);
    expect(new Set(fleet.map((m) => m.externalId)).size).toBe(1000);
    const stopped = fleet.filter((m) => m.state === 'stopped').length;
    expect(stopped).toBeGreaterThan(50);
    expect(stopped).toBeLessThan(300);
  });
});
