import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpConnectOnce, tcpProbe } from '../../lib/net/tcp-probe.js';
import {
  closedLoopbackPort,
  type LoopbackListener,
  openLoopbackListener,
  openUnansweringListener,
} from '../helpers/loopback.js';

describe('the TCP connect probe (loopback only)', () => {
  let listener: LoopbackListener;
  beforeAll(async () => {
    listener = await openLoopbackListener();
  });
  afterAll(() => listener.close());

  it('connects N times to an open port and reports no loss with round trips', async () => {
    const before = listener.accepted();
    const r = await tcpProbe('127.0.0.1', listener.port, { attempts: 5 });
    expect(r).toMatchObject({
      host: '127.0.0.1',
      port: listener.port,
      reachable: true,
      attempts: 5,
      received: 5,
      lossPercent: 0,
      error: null,
    });
    expect(r.rttMs!.min).toBeGreaterThan(0);
    expect(r.rttMs!.min).toBeLessThanOrEqual(r.rttMs!.avg);
    expect(r.rttMs!.avg).toBeLessThanOrEqual(r.rttMs!.max);
    expect(r.rttMs!.stddev).toBeGreaterThanOrEqual(0);
    // Every attempt really reached the listener.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listener.accepted() - before).toBe(5);
  });

  it('reports a closed port as unreachable, with 100 % loss and the reason', async () => {
    const port = await closedLoopbackPort();
    const r = await tcpProbe('127.0.0.1', port);
    expect(r).toEqual({
      host: '127.0.0.1',
      port,
      reachable: false,
      attempts: 3,
      received: 0,
      lossPercent: 100,
      rttMs: null,
      error: 'connection refused',
    });
  });

  it('counts a listener that goes away in the middle as partial loss', async () => {
    const flaky = await openLoopbackListener();
    const first = await tcpConnectOnce('127.0.0.1', flaky.port, 1_000);
    await flaky.close();
    const second = await tcpConnectOnce('127.0.0.1', flaky.port, 1_000);
    expect(first).toHaveProperty('rttMs');
    expect(second).toEqual({ error: 'connection refused' });
  });

  it('gives up on an attempt after its timeout and says so (a host that never answers)', async () => {
    const silent = await openUnansweringListener();
    try {
      const started = Date.now();
      const r = await tcpProbe('127.0.0.1', silent.port, { attempts: 2, timeoutMs: 150 });
      expect(r).toMatchObject({ reachable: false, received: 0, lossPercent: 100, rttMs: null });
      expect(r.error).toBe('timed out after 150 ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      silent.close();
    }
  });
});
