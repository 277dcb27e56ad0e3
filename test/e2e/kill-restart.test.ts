/**
 * `npm start` killed with SIGKILL while acknowledged jobs are queued and running, then started again on
 * the same data directory: every job the API answered 202 for reaches succeeded or failed, none is lost.
 * The queues are in the embedded database; the job running at the kill is taken over once its lease is
 * over. Short timeouts come from configuration (a 2 s visibility timeout, a 20 s lease), and a simulated
 * cloud whose every call takes 300 ms keeps jobs in flight long enough to be cut off. Loopback only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type StartedNimbo, startNimbo, stopWith } from '../helpers/nimbo-process.js';

const ENV = {
  NIMBO_QUEUE_VISIBILITY_TIMEOUT_MS: '2000',
  NIMBO_QUEUE_POLL_MS: '100',
  NIMBO_JOB_LEASE_MS: '20000',
};
const FINAL = new Set(['succeeded', 'failed']);

interface Job {
  id: string;
  status: string;
  attempts: number;
  error: { code: string } | null;
}

/** Polls `probe` every 100 ms until it answers something, for at most `ms`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!inject('mongoIsEmbedded'))('npm start killed with SIGKILL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbo-kill-'));
  const started: StartedNimbo[] = [];
  afterAll(async () => {
    for (const s of started) await stopWith(s.child, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged job: after a restart on the same data, each one finishes', async () => {
    const first = await startNimbo(dataDir, ENV);
    started.push(first);
    const token = await until(
      'the owner token',
      10_000,
      async () => /\b(nimbo_\S+)/.exec(first.output())?.[1],
    );
    const call = async (apiUrl: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const jobsNow = (apiUrl: string, ids: string[]) =>
      Promise.all(ids.map(async (id) => (await call(apiUrl, 'GET', `/v1/jobs/${id}`)).body as Job));

    const cloud = await call(first.apiUrl, 'POST', '/v1/clouds', {
      provider: 'sim',
      name: 'slow',
      settings: {
        machines: 20,
        seed: 7,
        transitionMs: 0,
        latencyMs: 300,
        faults: { auth: false, throttleRate: 0, timeoutRate: 0 },
      },
    });
    expect(cloud.status).toBe(201);
    const cloudId = cloud.body.cloud.id as string;
    const machines = await until('the slow cloud inventoried', 30_000, async () => {
      const res = await call(first.apiUrl, 'GET', `/v1/machines?cloud=${cloudId}&limit=50`);
      return res.body.items?.length === 20
        ? (res.body.items as Array<{ id: string; state: string }>)
        : undefined;
    });

    const acknowledged: string[] = [];
    const actions = { running: 'reboot', stopped: 'start' } as Record<string, string>;
    for (const m of machines.filter((m) => actions[m.state])) {
      const res = await call(first.apiUrl, 'POST', `/v1/machines/${m.id}/actions/${actions[m.state]}`);
      expect(res.status).toBe(202);
      acknowledged.push(res.body.job.id);
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(15);
    const poll = await call(first.apiUrl, 'POST', `/v1/clouds/${cloudId}/poll`);
    expect(poll.status).toBe(202);
    acknowledged.push(poll.body.job.id);

    // Killed once two have finished and one runs: the others wait behind it, one after another (the
    // finished ones' messages may not be deleted yet: their batch is not over).
    await until('two finished jobs and a running one', 30_000, async () => {
      const jobs = await jobsNow(first.apiUrl, acknowledged);
      const finished = jobs.filter((j) => FINAL.has(j.status)).length;
      return finished >= 2 && jobs.some((j) => j.status === 'running') ? true : undefined;
    });
    const atKill = await jobsNow(first.apiUrl, acknowledged);
    expect(await stopWith(first.child, 'SIGKILL')).toBeNull();
    const unfinishedAtKill = atKill.filter((j) => !FINAL.has(j.status));
    expect(unfinishedAtKill.length).toBeGreaterThan(0);

    const second = await startNimbo(dataDir, ENV);
    started.push(second);
    const restartedAt = Date.now();
    const final = await until('every acknowledged job finished', 45_000, async () => {
      const jobs = await jobsNow(second.apiUrl, acknowledged);
      return jobs.every((j) => FINAL.has(j.status)) ? jobs : undefined;
    }).catch(async (err: Error) => {
      const jobs = await jobsNow(second.apiUrl, acknowledged);
      throw new Error(`${err.message}: ${JSON.stringify(jobs.map((j) => [j.id, j.status, j.attempts]))}`);
    });

    const count = (jobs: Job[], status: string) => jobs.filter((j) => j.status === status).length;
    const figures = {
      acknowledged: acknowledged.length,
      atKill: {
        queued: count(atKill, 'queued'),
        running: count(atKill, 'running'),
        finished: atKill.length - unfinishedAtKill.length,
      },
      afterRestart: { succeeded: count(final, 'succeeded'), failed: count(final, 'failed') },
      takenOver: final.filter((j) => j.attempts > 1).length,
      secondsToFinishAfterRestart: (Date.now() - restartedAt) / 1000,
    };
    console.info(`kill -9 figures: ${JSON.stringify(figures)}`);
    expect(final).toHaveLength(acknowledged.length);
    // An action on a simulated machine without faults succeeds, on its first attempt or on a later one.
    expect(final.filter((j) => j.status === 'failed')).toEqual([]);
    expect(await stopWith(second.child, 'SIGTERM')).toBe(0);
  }, 120_000);
});
