import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../lib/core/errors.js';
import { checkHealth } from '../../lib/db/health.js';

describe('checkHealth', () => {
  it('reports the database up with the measured ping latency', async () => {
    const ticks = [100, 112.34];
    const report = await checkHealth({
      version: '1.2.3',
      pingDatabase: async () => {},
      now: () => new Date('2026-11-25T12:00:00Z'),
      monotonicMs: () => ticks.shift()!,
    });
    expect(report).toEqual({
      status: 'ok',
      version: '1.2.3',
      database: { status: 'up', latencyMs: 12.3 },
      time: '2026-11-25T12:00:00.000Z',
    });
  });

  it('fails as database unavailable when the ping fails', async () => {
    const failing = checkHealth({
      version: '1',
      pingDatabase: () => Promise.reject(new Error('ECONNREFUSED')),
    });
    await expect(failing).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failing).rejects.toMatchObject({ details: { database: { status: 'down' } } });
  });
});
