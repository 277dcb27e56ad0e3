/** The local runtime's event bus: what `npm start` shows of each published event, one JSON line. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalEventBus } from '../../local/runtime/event-bus.js';

describe('the local event bus', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    vi.stubEnv('NIMBO_LOG_LEVEL', 'info');
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('takes every entry and logs each as one line with its type, id and org', async () => {
    const bus = new LocalEventBus('local://events', 2);
    const entry = (n: number) => ({
      source: 'nimbo',
      detailType: 'cloud.disabled',
      detail: JSON.stringify({ id: `evt_${n}`, orgId: 'org_1', data: { reason: 'x' } }),
      time: new Date('2026-12-04T10:00:00Z'),
      resources: [],
    });
    expect(await bus.put([entry(1), entry(2), entry(3)])).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(lines.map((l) => JSON.parse(l))).toEqual(
      [1, 2, 3].map((n) => ({
        level: 'info',
        time: expect.any(String),
        message: 'event published',
        bus: 'local://events',
        source: 'nimbo',
        type: 'cloud.disabled',
        id: `evt_${n}`,
        orgId: 'org_1',
        eventTime: '2026-12-04T10:00:00.000Z',
      })),
    );
    // It keeps the last ones only.
    expect(bus.received.map((e) => JSON.parse(e.detail).id)).toEqual(['evt_2', 'evt_3']);
  });
});
