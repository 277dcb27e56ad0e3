import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTickHandler } from '../../functions/tick.js';
import { createWorkerHandler } from '../../functions/worker.js';
import { createCloud } from '../../lib/clouds/clouds.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { enqueueJobs } from '../../lib/jobs/jobs.js';
import { createTestOrg } from '../helpers/api.js';
import { recordingQueue } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 's',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:jobs',
      awsRegion: 'local',
    })),
  };
}

describe('tick and worker', () => {
  const t = useTestDatabase('tickworker');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  let orgId: string;
  let actor: Parameters<typeof createCloud>[1];

  beforeAll(async () => {
    await ensureIndexes(t.db);
    const org = await createTestOrg(t.db);
    orgId = org.orgId;
    const tok = await t.db.collection<AnyDoc>('tokens').findOne({ orgId });
    actor = { type: 'token', orgId, tokenId: String(tok!._id), name: 'owner', role: 'owner' };
  });

  async function addSim(name: string, pollIntervalMinutes = 10) {
    const { queue } = recordingQueue();
    const settings = {
      machines: 2,
      seed: 1,
      transitionMs: 0,
      latencyMs: 0,
      faults: { auth: false, throttleRate: 0, timeoutRate: 0 },
    };
    const { cloud } = await createCloud(
      { db: t.db, now, queue },
      actor,
      { provider: 'sim', name, settings, pollIntervalMinutes },
      'r',
    );
    return cloud.id;
  }

  it('queues one poll per due cloud, and ten concurrent ticks still queue each poll once', async () => {
    const due = [await addSim('due-1', 5), await addSim('due-2', 5)];
    await addSim('later', 60);
    clock = new Date(clock.getTime() + 6 * 60_000);
    const { sent, queue } = recordingQueue();
    const tick = createTickHandler(async () => ({ db: t.db, now, queue }) as never);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tick({ id: `e${i}`, time: clock.toISOString() })),
    );
    expect(results.reduce((n, r) => n + r.pollsQueued, 0)).toBe(2);
    const polled = sent.map((m) => JSON.parse(m.body).jobId);
    const jobs = await t.db
      .collection<AnyDoc>('jobs')
      .find({ _id: { $in: polled } })
      .toArray();
    expect(jobs.map((j) => j.input.cloudId).sort()).toEqual([...due].sort());
    const clouds = await t.db
      .collection<AnyDoc>('clouds')
      .find({ _id: { $in: due } })
      .toArray();
    for (const c of clouds) expect(c.nextPollAt).toEqual(new Date(clock.getTime() + 5 * 60_000));
  });

  it('does not poll a disabled cloud', async () => {
    const id = await addSim('off', 1);
    await t.db.collection<AnyDoc>('clouds').updateOne({ _id: id }, { $set: { enabled: false } });
    clock = new Date(clock.getTime() + 10 * 60_000);
    const { sent, queue } = recordingQueue();
    await createTickHandler(async () => ({ db: t.db, now, queue }) as never)({
      id: 'e',
      time: clock.toISOString(),
    });
    const cloudIds = await Promise.all(
      sent.map(
        async (m) =>
          (await t.db.collection<AnyDoc>('jobs').findOne({ _id: JSON.parse(m.body).jobId }))?.input.cloudId,
      ),
    );
    expect(cloudIds).not.toContain(id);
  });

  it('runs a delivered job once, however often the message is redelivered', async () => {
    const id = await addSim('once');
    const { sent, queue } = recordingQueue();
    const [job] = await enqueueJobs({ db: t.db, now, queue }, actor, [
      { type: 'cloud.poll', resource: { type: 'cloud', id }, input: { cloudId: id } },
    ]);
    const worker = createWorkerHandler(async () => ({ db: t.db, now, queue }) as never);
    const body = sent[0]!.body;
    expect(await worker(sqsEvent([body, body]))).toEqual({ batchItemFailures: [] });
    expect(await worker(sqsEvent([body]))).toEqual({ batchItemFailures: [] });
    const done = await t.db.collection<AnyDoc>('jobs').findOne({ _id: job!._id });
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    const appeared = await t.db
      .collection<AnyDoc>('audit')
      .countDocuments({ jobId: job!._id, action: 'machine.appeared' });
    expect(appeared).toBe(2);
  });

  it('reports only the failing message of a batch for redelivery, and drops a malformed one', async () => {
    const ok = await addSim('ok');
    const flaky = await addSim('flaky');
    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: flaky }, { $set: { 'settings.faults.throttleRate': 1 } });
    const { sent, queue } = recordingQueue();
    await enqueueJobs({ db: t.db, now, queue }, actor, [
      { type: 'cloud.poll', resource: { type: 'cloud', id: ok }, input: { cloudId: ok } },
      { type: 'cloud.poll', resource: { type: 'cloud', id: flaky }, input: { cloudId: flaky } },
    ]);
    const worker = createWorkerHandler(async () => ({ db: t.db, now, queue }) as never);
    const res = await worker(sqsEvent([sent[0]!.body, sent[1]!.body, '{"version":1}', 'garbage']));
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    const flakyJob = await t.db.collection<AnyDoc>('jobs').findOne({ _id: JSON.parse(sent[1]!.body).jobId });
    expect(flakyJob).toMatchObject({ status: 'queued', attempts: 1, error: { code: 'provider_throttled' } });
  });

  it('takes over a job whose worker died once its lease has run out, and not before', async () => {
    const id = await addSim('orphan');
    const { sent, queue } = recordingQueue();
    const [job] = await enqueueJobs({ db: t.db, now, queue }, actor, [
      { type: 'cloud.poll', resource: { type: 'cloud', id }, input: { cloudId: id } },
    ]);
    await t.db
      .collection<AnyDoc>('jobs')
      .updateOne(
        { _id: job!._id },
        { $set: { status: 'running', attempts: 1, leaseUntil: new Date(clock.getTime() + 60_000) } },
      );
    const worker = createWorkerHandler(async () => ({ db: t.db, now, queue }) as never);
    // Not before: the delivery is acknowledged and the job asked for again when the lease is over.
    expect(await worker(sqsEvent([sent[0]!.body]))).toEqual({ batchItemFailures: [] });
    expect(sent[1]).toEqual({ body: sent[0]!.body, delaySeconds: 60 });
    expect(await t.db.collection<AnyDoc>('jobs').findOne({ _id: job!._id })).toMatchObject({ attempts: 1 });
    clock = new Date(clock.getTime() + 61_000);
    expect(await worker(sqsEvent([sent[1]!.body]))).toEqual({ batchItemFailures: [] });
    expect(await t.db.collection<AnyDoc>('jobs').findOne({ _id: job!._id })).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
  });
});
