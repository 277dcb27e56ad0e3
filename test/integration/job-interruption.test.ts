/**
 * Jobs whose worker stopped midway (a Lambda timeout): a job with attempts left is taken over after its
 * lease (a delivery during the lease asks again once it is over); one on its last attempt (scripts have
 * one) is failed, never started again. And a worker near its
 * time limit starts no job it might not finish.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.js';
import { runJobMessage } from '../../lib/app/job-runner.js';
import { JOB_START_BUDGET_MS } from '../../lib/app/worker.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { claimJob, enqueueJobs, JOB_LEASE_MS } from '../../lib/jobs/jobs.js';
import { machineActionJob } from '../../lib/machines/machines.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { recordingQueue, testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('interrupted jobs', () => {
  const t = useTestDatabase('interrupted');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
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
      body: { provider: 'sim', name: 'fleet', settings: { machines: 6, seed: 3, transitionMs: 0 } },
    });
    expect(res.status).toBe(201);
    await jobsPipe.drain();
    machines = await t.db.collection<AnyDoc>('machines').find({ orgId, state: 'running' }).toArray();
    expect(machines.length).toBeGreaterThanOrEqual(3);
  });

  /** A reboot job, claimed by a worker that then died without a word. */
  async function claimedAndAbandoned(machine: AnyDoc, maxAttempts: number) {
    const { queue, sent } = recordingQueue();
    const [job] = await enqueueJobs({ db: t.db, now, queue }, actor, [
      { ...machineActionJob(machine._id, 'reboot', {}), maxAttempts },
    ]);
    const message = JSON.parse(sent[0]!.body);
    expect(await claimJob({ db: t.db, now }, message)).toHaveProperty('claimed');
    return { job: job!, message };
  }
  const reboots = (machineId: string) =>
    t.db.collection('audit').countDocuments({ action: 'machine.reboot', 'resource.id': machineId });
  const jobDoc = (id: string) => t.db.collection<AnyDoc>('jobs').findOne({ _id: id });

  it('leaves a job alone while its lease runs, asking again by a message delayed until the lease is over', async () => {
    const { job, message } = await claimedAndAbandoned(machines[0]!, 3);
    const { queue, sent } = recordingQueue();
    clock = new Date(clock.getTime() + 60_000);
    // Acknowledged, not left for redelivery: that would spend the message's receives while the lease runs.
    expect(await runJobMessage({ db: t.db, now, queue }, message)).toBe('done');
    expect(await jobDoc(job._id)).toMatchObject({ status: 'running', attempts: 1 });
    expect(sent).toEqual([{ body: JSON.stringify(message), delaySeconds: (JOB_LEASE_MS - 60_000) / 1000 }]);
  });

  it('takes over a job whose worker died, after its lease, when it has attempts left', async () => {
    const { job, message } = await claimedAndAbandoned(machines[1]!, 3);
    clock = new Date(clock.getTime() + JOB_LEASE_MS + 1);
    expect(await runJobMessage({ db: t.db, now, queue: jobsPipe.queue }, message)).toBe('done');
    expect(await jobDoc(job._id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await reboots(machines[1]!._id)).toBe(1);
  });

  it('fails a job whose worker died on its last attempt, and never starts it again', async () => {
    const { job, message } = await claimedAndAbandoned(machines[2]!, 1);
    clock = new Date(clock.getTime() + JOB_LEASE_MS + 1);
    expect(await runJobMessage({ db: t.db, now, queue: jobsPipe.queue }, message)).toBe('done');
    expect(await jobDoc(job._id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'interrupted' },
    });
    expect(await reboots(machines[2]!._id)).toBe(0);
    // A further redelivery finds it finished.
    expect(await runJobMessage({ db: t.db, now, queue: jobsPipe.queue }, message)).toBe('done');
    expect(await reboots(machines[2]!._id)).toBe(0);
  });

  it('starts no job with less than the budget of the invocation left: it is sent again instead', async () => {
    const { queue: first, sent: firstSent } = recordingQueue();
    const [job] = await enqueueJobs({ db: t.db, now, queue: first }, actor, [
      machineActionJob(machines[0]!._id, 'reboot', {}),
    ]);
    const { queue, sent } = recordingQueue();
    const worker = createWorkerHandler(async () => ({ db: t.db, now, queue }) as never);
    const event = {
      Records: [
        { messageId: 'late-1', body: firstSent[0]!.body, eventSourceARN: 'arn:jobs', messageAttributes: {} },
      ],
    } as unknown as SQSEvent;
    const late = { getRemainingTimeInMillis: () => JOB_START_BUDGET_MS - 1 } as Context;
    expect(await worker(event, late)).toEqual({ batchItemFailures: [] });
    expect(await jobDoc(job!._id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(sent.map((m) => m.body)).toEqual([firstSent[0]!.body]);

    const early = { getRemainingTimeInMillis: () => JOB_START_BUDGET_MS + 60_000 } as Context;
    expect(await worker(event, early)).toEqual({ batchItemFailures: [] });
    expect(await jobDoc(job!._id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
