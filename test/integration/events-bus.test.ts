/**
 * Recorded events to the event bus, end to end in-process: recordEvents queues an events.publish job per
 * org, the real worker runs it from the same SQS-like queue as local mode, puts the events on the local
 * runtime's bus and marks them published; what a job that failed for good left is queued again by the tick.
 * The clock is the test's.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.js';
import { runTick } from '../../lib/app/tick.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { publishJobs as jobsFor, type NewEvent, recordEvents } from '../../lib/events/record.js';
import { requeueUnpublishedEvents } from '../../lib/events/republish.js';
import { enqueueJobs, type JobDeps } from '../../lib/jobs/jobs.js';
import type { EventBus } from '../../lib/messages/bus.js';
import { NimboEvent } from '../../lib/model/events/event.js';
import { LocalEventBus } from '../../local/runtime/event-bus.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const ORG_A = 'org_aaaaaaaaaaaaaaaa';
const ORG_B = 'org_bbbbbbbbbbbbbbbb';

const failed = (orgId: string, jobId: string): NewEvent<'job.failed'> => ({
  orgId,
  type: 'job.failed',
  data: {
    jobId,
    jobType: 'machine.action',
    resource: { type: 'machine', id: 'mch_0123456789abcdef' },
    attempts: 3,
    error: { code: 'provider_error', message: 'the cloud said no' },
  },
});

/** A bus that never lets Nimbo put anything, as one whose policy is wrong. */
const denyingBus: EventBus = {
  name: 'denying',
  put: async (entries) =>
    entries.map(() => ({ ok: false, errorCode: 'AccessDeniedException', errorMessage: 'not allowed' })),
};

describe('recorded events to the event bus', () => {
  const t = useTestDatabase('events-bus');
  let clock = new Date('2026-12-04T10:00:00Z');
  let bus: EventBus | undefined;
  const deps = (): JobDeps => ({ db: t.db, now: () => clock, queue, ...(bus ? { eventBus: bus } : {}) });
  const queue: LocalSqsQueue = new LocalSqsQueue({
    name: `test-events-bus-${process.pid}`,
    db: () => t.db,
    handler: createWorkerHandler(async () => deps()),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
    now: () => clock.getTime(),
  });
  const publishJobs = () =>
    t.db.collection<AnyDoc>('jobs').find({ type: 'events.publish' }).sort({ createdAt: 1 }).toArray();
  const event = (id: string) => t.db.collection<AnyDoc>('events').findOne({ _id: id });

  beforeAll(() => ensureIndexes(t.db));
  beforeEach(async () => {
    clock = new Date(clock.getTime() + 86_400_000);
    bus = new LocalEventBus('local://test-events');
    await Promise.all(['events', 'jobs'].map((c) => t.db.collection(c).deleteMany({})));
  });

  it('queues a publish job per org, and the worker puts each event on the bus once and marks it published', async () => {
    const local = bus as LocalEventBus;
    const recorded = await recordEvents(deps(), [
      failed(ORG_A, 'job_aaaaaaaaaaaaaaa1'),
      failed(ORG_B, 'job_bbbbbbbbbbbbbbb1'),
      failed(ORG_A, 'job_aaaaaaaaaaaaaaa2'),
    ]);
    // Queued as they were recorded (the queue delivers at once: some may be running already).
    const jobs = await publishJobs();
    expect(jobs.map((j) => [j.orgId, j.input.eventIds])).toEqual([
      [ORG_A, [recorded[0]!._id, recorded[2]!._id]],
      [ORG_B, [recorded[1]!._id]],
    ]);

    await queue.drain();
    expect(local.received.map((e) => [e.source, e.detailType])).toEqual([
      ['nimbo', 'job.failed'],
      ['nimbo', 'job.failed'],
      ['nimbo', 'job.failed'],
    ]);
    const details = local.received.map((e) => NimboEvent.parse(JSON.parse(e.detail)));
    expect(details.map((d) => d.id).sort()).toEqual(recorded.map((d) => d._id).sort());
    expect(local.received.map((e) => e.time)).toEqual(recorded.map(() => clock));
    for (const doc of recorded) expect(await event(doc._id)).toMatchObject({ publishedAt: clock });
    expect((await publishJobs()).map((j) => j.status)).toEqual(['succeeded', 'succeeded']);

    // A second job for the same events puts nothing again.
    const actor = { type: 'system' as const, orgId: ORG_A, name: 'events' };
    await enqueueJobs(deps(), actor, jobsFor(ORG_A, [recorded[0]!._id, recorded[2]!._id]));
    await queue.drain();
    expect(local.received).toHaveLength(3);
  });

  it('queues nothing to publish when no bus is configured', async () => {
    bus = undefined;
    const [doc] = await recordEvents(deps(), [failed(ORG_A, 'job_aaaaaaaaaaaaaaa3')]);
    expect(await publishJobs()).toEqual([]);
    const stored = await event(doc!._id);
    expect(stored).not.toHaveProperty('publishQueuedAt');
    expect(stored).not.toHaveProperty('publishedAt');
    expect(await requeueUnpublishedEvents(deps())).toBe(0);
  });

  it('queues again, an hour on, what a job that failed for good left unpublished, and only once', async () => {
    bus = denyingBus;
    const [doc] = await recordEvents(deps(), [failed(ORG_A, 'job_aaaaaaaaaaaaaaa4')]);
    await queue.drain();
    expect((await publishJobs()).map((j) => [j.status, j.error?.code])).toEqual([
      ['failed', 'event_bus_refused'],
    ]);
    expect(await event(doc!._id)).toMatchObject({ publishedAt: null });

    // Within the hour, the first job may still be at work: nothing is queued.
    clock = new Date(clock.getTime() + 30 * 60_000);
    expect(await requeueUnpublishedEvents(deps())).toBe(0);

    // The deployment is fixed; past the hour the tick queues it again, once.
    const local = new LocalEventBus('local://test-events');
    bus = local;
    clock = new Date(clock.getTime() + 31 * 60_000);
    expect((await runTick(deps())).eventsRequeued).toBe(1);
    expect(await requeueUnpublishedEvents(deps())).toBe(0);
    await queue.drain();
    expect(local.received.map((e) => JSON.parse(e.detail).id)).toEqual([doc!._id]);
    expect(await event(doc!._id)).toMatchObject({ publishedAt: clock });
    clock = new Date(clock.getTime() + 2 * 3600_000);
    expect(await requeueUnpublishedEvents(deps())).toBe(0);
  });
});
