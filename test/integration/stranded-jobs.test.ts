/**
 * Jobs whose message was lost while they were unfinished (dead-lettered, or never sent: a process died
 * between writing the job and queueing it): the tick's sweep sends them a message again once they have
 * waited longer than any live message can stay out of sight, and the job then runs, is taken over, or is
 * failed as interrupted on its last attempt. None stays queued or running forever.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTickHandler } from '../../functions/tick.js';
import { createWorkerHandler } from '../../functions/worker.js';
import { DatabaseUnavailableError } from '../../lib/core/errors.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { JobDoc } from '../../lib/db/documents.js';
import { claimJob, enqueueJobs, JOB_LEASE_MS } from '../../lib/jobs/jobs.js';
import { resendStrandedJobs, STRANDED_AFTER_MS } from '../../lib/jobs/sweep.js';
import { machineActionJob } from '../../lib/machines/machines.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { recordingQueue, testJobs } from '../helpers/jobs.js';
import { type AnyDoc, uniqueDbName, useTestDatabase } from '../helpers/mongo.js';

describe('the sweep of stranded jobs', () => {
  const t = useTestDatabase('stranded');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  const later = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const jobsPipe = testJobs(() => t.db, now);
  const api = testApi(() => t.db, now, jobsPipe.queue);
  let actor: { type: 'system'; orgId: string; name: string };
  let machines: AnyDoc[];

  beforeAll(async () => {
    await ensureIndexes(t.db);
    const { orgId, token } = await createTestOrg(t.db);
    actor = { type: 'system', orgId, name: 'test' };
    const res = await api.request('POST', '/v1/clouds', {
      token,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 10, seed: 5, transitionMs: 0 } },
    });
    expect(res.status).toBe(201);
    await jobsPipe.drain();
    machines = await t.db.collection<AnyDoc>('machines').find({ orgId, state: 'running' }).toArray();
    expect(machines.length).toBeGreaterThanOrEqual(6);
  });

  /** A reboot job whose message went nowhere (as if lost), claimed by a worker that then died, if `claimed`. */
  async function lostJob(machine: AnyDoc, opts: { maxAttempts?: number; claimed?: boolean } = {}) {
    const { queue, sent } = recordingQueue();
    const [job] = await enqueueJobs({ db: t.db, now, queue }, actor, [
      { ...machineActionJob(machine._id, 'reboot', {}), maxAttempts: opts.maxAttempts ?? 3 },
    ]);
    if (opts.claimed)
      expect(await claimJob({ db: t.db, now }, JSON.parse(sent[0]!.body))).toHaveProperty('claimed');
    return job!;
  }
  const jobDoc = (id: string) => t.db.collection<JobDoc>('jobs').findOne({ _id: id });
  /**
   * Sweeps, passing this job's messages on to the worker's queue, and answers how many there were (other
   * jobs of the file may be swept too: follow-up polls, whose delayed messages run on the queue's own clock).
   */
  async function sweepFor(jobId: string): Promise<number> {
    const { queue, sent } = recordingQueue();
    await resendStrandedJobs({ db: t.db, now, queue });
    const mine = sent.filter((m) => JSON.parse(m.body).jobId === jobId);
    for (const m of mine) await jobsPipe.queue.send(m);
    return mine.length;
  }

  it('runs a job whose message went to the dead letters (its worker could not reach the database three times)', async () => {
    let outages = 3;
    const deps = { db: t.db, now, queue: undefined as unknown as LocalSqsQueue };
    const queue = new LocalSqsQueue({
      name: uniqueDbName('flaky-jobs'),
      db: () => t.db,
      visibilityTimeoutMs: 0,
      maxReceiveCount: 3,
      handler: createWorkerHandler(async () => {
        if (outages-- > 0) throw new DatabaseUnavailableError('The database is unavailable (injected)');
        return deps;
      }),
    });
    deps.queue = queue;
    const [job] = await enqueueJobs(deps, actor, [machineActionJob(machines[5]!._id, 'reboot', {})]);
    await queue.drain();
    expect(await queue.deadLetters.list()).toMatchObject([{ from: { receiveCount: 3 } }]);
    expect(await queue.depth()).toBe(0);
    expect(await jobDoc(job!._id)).toMatchObject({ status: 'queued', attempts: 0 });
    later(STRANDED_AFTER_MS + 1000);
    expect(await resendStrandedJobs(deps)).toBeGreaterThanOrEqual(1);
    await queue.drain();
    expect(await jobDoc(job!._id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('sends a queued job whose message was lost again, from the tick, once it has waited long enough', async () => {
    const job = await lostJob(machines[0]!);
    const tick = createTickHandler(async () => ({ db: t.db, now, queue: jobsPipe.queue }) as never);
    later(STRANDED_AFTER_MS - 1000);
    expect(await tick({ id: 'e1', time: clock.toISOString() })).toMatchObject({ jobsResent: 0 });
    await jobsPipe.drain();
    expect(await jobDoc(job._id)).toMatchObject({ status: 'queued', attempts: 0 });
    later(2000);
    // This job, and any other of the file that has waited as long (a follow-up poll).
    expect((await tick({ id: 'e2', time: clock.toISOString() })).jobsResent).toBeGreaterThanOrEqual(1);
    await jobsPipe.drain();
    expect(await jobDoc(job._id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await sweepFor(job._id)).toBe(0);
  });

  it('takes over a running job whose worker died and whose message was lost, after its lease', async () => {
    const job = await lostJob(machines[1]!, { claimed: true });
    later(JOB_LEASE_MS + STRANDED_AFTER_MS - 1000);
    expect(await sweepFor(job._id)).toBe(0);
    later(2000);
    expect(await sweepFor(job._id)).toBe(1);
    await jobsPipe.drain();
    expect(await jobDoc(job._id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('fails such a job as interrupted when it was on its last attempt', async () => {
    const job = await lostJob(machines[2]!, { claimed: true, maxAttempts: 1 });
    later(JOB_LEASE_MS + STRANDED_AFTER_MS + 1000);
    expect(await sweepFor(job._id)).toBe(1);
    await jobsPipe.drain();
    expect(await jobDoc(job._id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'interrupted' },
    });
  });

  it('sends one message for overlapping sweeps, and no other until the job has waited as long again', async () => {
    const { queue, sent } = recordingQueue();
    const job = await lostJob(machines[3]!);
    const mine = () => sent.filter((m) => JSON.parse(m.body).jobId === job._id);
    later(STRANDED_AFTER_MS + 1000);
    await Promise.all([1, 2, 3].map(() => resendStrandedJobs({ db: t.db, now, queue })));
    expect(mine()).toHaveLength(1);
    later(STRANDED_AFTER_MS - 1000);
    await resendStrandedJobs({ db: t.db, now, queue });
    expect(mine()).toHaveLength(1);
    later(2000);
    await resendStrandedJobs({ db: t.db, now, queue });
    expect(mine()).toHaveLength(2);
    expect(await jobDoc(job._id)).toMatchObject({ status: 'queued', resentAt: clock });
  });

  it('leaves alone a job that is waiting for its own message, or running under its lease', async () => {
    const { queue } = recordingQueue();
    const [waiting] = await enqueueJobs({ db: t.db, now, queue }, actor, [
      machineActionJob(machines[4]!._id, 'reboot', {}),
    ]);
    const running = await lostJob(machines[4]!, { claimed: true });
    later(Math.min(JOB_LEASE_MS, STRANDED_AFTER_MS) - 1000);
    expect(await sweepFor(waiting!._id)).toBe(0);
    expect(await sweepFor(running._id)).toBe(0);
    expect(await jobDoc(running._id)).toMatchObject({ status: 'running' });
  });
});
