/**
 * Publishing recorded events to EventBridge, at the SDK client boundary: what one PutEvents entry is, how
 * events are batched (10 entries and 256 KB per call), what a partial failure, a throttled call, a server
 * fault and a refusal do to the events and to the job. The events live in the test database, as the job
 * reads and marks them there.
 */
import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJobMessage } from '../../../lib/app/job-runner.js';
import { collections, ensureIndexes } from '../../../lib/db/collections.js';
import type { EventDoc } from '../../../lib/db/documents.js';
import { entrySize, MAX_PUT_BYTES, publishEvents } from '../../../lib/events/publish.js';
import { EVENT_TTL_MS, eventBody, publishJobs } from '../../../lib/events/record.js';
import { enqueueJobs, isTransient, type JobDeps } from '../../../lib/jobs/jobs.js';
import { EventBusRefusedError, EventBusUnavailableError } from '../../../lib/messages/bus.js';
import { EventBridgeBus } from '../../../lib/messages/eventbridge.js';
import { newId } from '../../../lib/model/common.js';
import { recordingQueue } from '../../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../../helpers/mongo.js';

const eventBridge = mockClient(EventBridgeClient);
afterAll(() => eventBridge.restore());

const BUS = 'nimbo-test-bus';
const ORG = 'org_publisher000000';
const clock = new Date('2026-12-04T10:00:00Z');

function awsError(name: string, fault: 'client' | 'server' = 'client') {
  return new EventBridgeServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: fault === 'client' ? 400 : 500, requestId: 'req-1' },
    message: `${name} happened`,
  });
}

/** Each call's entries, in order. */
const calls = () => eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
const ok = (n: number): PutEventsResultEntry[] =>
  Array.from({ length: n }, (_, i) => ({ EventId: `eb-${i}` }));
/** Answers every call: all entries taken. */
const takeAll = () =>
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: ok(input.Entries.length),
  }));

describe('the EventBridge publisher', () => {
  const t = useTestDatabase('eb-publisher');
  const { queue } = recordingQueue();
  const deps = (): JobDeps => ({ db: t.db, now: () => clock, queue, eventBus: new EventBridgeBus(BUS) });

  beforeAll(() => ensureIndexes(t.db));
  beforeEach(async () => {
    eventBridge.reset();
    await t.db.collection('events').deleteMany({});
  });

  /** Unpublished events of ORG, as recordEvents leaves them with a bus configured; `reason` sets their size. */
  async function events(n: number, reason = 'every delivery failed'): Promise<EventDoc[]> {
    const docs: EventDoc[] = Array.from({ length: n }, (_, i) => ({
      _id: newId('event'),
      orgId: ORG,
      type: 'webhook.disabled',
      timestamp: new Date(clock.getTime() - (n - i) * 1000),
      data: {
        webhookId: 'whk_0123456789abcdef',
        url: 'https://example.com/h',
        reason,
        failingSince: clock.toISOString(),
      },
      expireAt: new Date(clock.getTime() + EVENT_TTL_MS),
      publishQueuedAt: clock,
      publishedAt: null,
    }));
    await collections(t.db).events.insertMany(docs);
    return docs;
  }
  const ids = (docs: EventDoc[]) => docs.map((d) => d._id);
  const stored = async () =>
    (await t.db.collection<AnyDoc>('events').find({}).sort({ timestamp: 1 }).toArray()) as AnyDoc[];
  const detailIds = (entries: PutEventsRequestEntry[]) => entries.map((e) => JSON.parse(e.Detail!).id);

  it('puts each event as one entry on the bus: source nimbo, its type, its envelope, its time, no resources', async () => {
    const [doc] = await events(1);
    takeAll();
    expect(await publishEvents(deps(), ORG, ids([doc!]))).toEqual({ published: 1, refused: 0, skipped: 0 });
    expect(calls()).toEqual([
      [
        {
          EventBusName: BUS,
          Source: 'nimbo',
          DetailType: 'webhook.disabled',
          Detail: JSON.stringify(eventBody(doc!)),
          Time: doc!.timestamp,
          Resources: [],
        },
      ],
    ]);
    expect((await stored())[0]!.publishedAt).toEqual(clock);
  });

  it('sends 23 events in calls of 10, 10 and 3, oldest first, and marks every one published', async () => {
    const docs = await events(23);
    takeAll();
    await publishEvents(deps(), ORG, ids(docs));
    expect(calls().map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls().flatMap(detailIds)).toEqual(ids(docs));
    expect((await stored()).every((e) => e.publishedAt?.getTime() === clock.getTime())).toBe(true);
  });

  it('keeps every call under 256 KB, however few entries that leaves in it', async () => {
    const docs = await events(5, 'x'.repeat(60_000));
    takeAll();
    await publishEvents(deps(), ORG, ids(docs));
    const sizes = calls().map((entries) =>
      entries.reduce(
        (n, e) =>
          n +
          entrySize({
            source: e.Source!,
            detailType: e.DetailType!,
            detail: e.Detail!,
            time: e.Time!,
            resources: [],
          }),
        0,
      ),
    );
    expect(calls().map((entries) => entries.length)).toEqual([4, 1]);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_PUT_BYTES);
  });

  it('never sends an event larger than PutEvents takes: it is marked refused, with the reason', async () => {
    const [big, small] = [...(await events(1, 'x'.repeat(MAX_PUT_BYTES))), ...(await events(1))];
    takeAll();
    expect(await publishEvents(deps(), ORG, ids([big!, small!]))).toEqual({
      published: 1,
      refused: 1,
      skipped: 0,
    });
    expect(calls().flatMap(detailIds)).toEqual([small!._id]);
    const after = await t.db.collection<AnyDoc>('events').findOne({ _id: big!._id });
    expect(after).toMatchObject({
      publishedAt: null,
      publishRefused: { code: 'event_too_large', at: clock },
    });
  });

  it('sends again only the entries the bus did not take, and never those it took', async () => {
    const docs = await events(4);
    const throttled = { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          throttled,
          { EventId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: ok(2) });

    const err = await publishEvents(deps(), ORG, ids(docs)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventBusUnavailableError);
    expect(isTransient(err)).toBe(true);
    expect((err as Error).message).toMatch(
      /did not take 2 of 4 events \(ThrottlingException, InternalFailure/,
    );
    expect((await stored()).map((e) => e.publishedAt !== null)).toEqual([true, false, true, false]);

    expect(await publishEvents(deps(), ORG, ids(docs))).toEqual({ published: 2, refused: 0, skipped: 2 });
    expect(detailIds(calls()[1]!)).toEqual([docs[1]!._id, docs[3]!._id]);
    // What the bus took, over both calls: each event once.
    const [first, second] = calls().map(detailIds);
    expect([first![0], first![2], ...second!].sort()).toEqual(ids(docs).sort());
    expect((await stored()).every((e) => e.publishedAt !== null)).toBe(true);
  });

  it('marks an entry refused as malformed, and does not send it again', async () => {
    const docs = await events(2);
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }, { EventId: 'b' }],
    });
    expect(await publishEvents(deps(), ORG, ids(docs))).toEqual({ published: 1, refused: 1, skipped: 0 });
    expect(await publishEvents(deps(), ORG, ids(docs))).toEqual({ published: 0, refused: 0, skipped: 2 });
    expect(calls()).toHaveLength(1);
    expect((await stored())[0]).toMatchObject({
      publishedAt: null,
      publishRefused: { code: 'MalformedDetail' },
    });
  });

  it('fails, not transiently, when the bus does not allow Nimbo to put events, and leaves them unpublished', async () => {
    const docs = await events(2);
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 2,
      Entries: [
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'not authorized' },
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'not authorized' },
      ],
    });
    const err = await publishEvents(deps(), ORG, ids(docs)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventBusRefusedError);
    expect(isTransient(err)).toBe(false);
    expect((await stored()).map((e) => [e.publishedAt, e.publishRefused ?? null])).toEqual([
      [null, null],
      [null, null],
    ]);

    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(awsError('AccessDeniedException'));
    const denied = await publishEvents(deps(), ORG, ids(docs)).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(EventBusRefusedError);
    expect((denied as Error).message).toMatch(/AccessDeniedException.*events:PutEvents/);
  });

  it('takes a server fault for a transient failure, like throttling', async () => {
    const docs = await events(1);
    eventBridge.on(PutEventsCommand).rejects(awsError('InternalException', 'server'));
    const err = await publishEvents(deps(), ORG, ids(docs)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventBusUnavailableError);
    expect(isTransient(err)).toBe(true);
  });

  it('keeps what earlier calls published when a later call fails', async () => {
    const docs = await events(12);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: ok(10) })
      .rejects(awsError('ThrottlingException'));
    await expect(publishEvents(deps(), ORG, ids(docs))).rejects.toThrow(/ThrottlingException/);
    expect((await stored()).filter((e) => e.publishedAt !== null)).toHaveLength(10);
  });

  describe('as a job', () => {
    async function queuedJob(docs: EventDoc[]) {
      const [job] = await enqueueJobs(
        deps(),
        { type: 'system', orgId: ORG, name: 'events' },
        publishJobs(ORG, ids(docs)),
      );
      return { version: 1 as const, jobId: job!._id, orgId: ORG };
    }
    const jobDoc = (id: string) => collections(t.db).jobs.findOne({ _id: id });

    it('is retried after a throttled call, and its retry sends the events once', async () => {
      const docs = await events(3);
      const msg = await queuedJob(docs);
      eventBridge
        .on(PutEventsCommand)
        .rejectsOnce(awsError('ThrottlingException'))
        .resolves({ FailedEntryCount: 0, Entries: ok(3) });

      expect(await runJobMessage(deps(), msg)).toBe('retry');
      expect(await jobDoc(msg.jobId)).toMatchObject({
        status: 'queued',
        error: { code: 'provider_throttled' },
      });

      expect(await runJobMessage(deps(), msg)).toBe('done');
      expect(await jobDoc(msg.jobId)).toMatchObject({
        status: 'succeeded',
        attempts: 2,
        result: { published: 3, refused: 0, skipped: 0 },
      });
      expect(calls().slice(1).flatMap(detailIds)).toEqual(ids(docs));
    });

    it('sends nothing when run again for events that went', async () => {
      const docs = await events(2);
      takeAll();
      await runJobMessage(deps(), await queuedJob(docs));
      const second = await queuedJob(docs);
      expect(await runJobMessage(deps(), second)).toBe('done');
      expect((await jobDoc(second.jobId))?.result).toEqual({ published: 0, refused: 0, skipped: 2 });
      expect(calls()).toHaveLength(1);
    });

    it("reads only its own org's events, whatever ids it carries", async () => {
      const docs = await events(1);
      const [job] = await enqueueJobs(
        deps(),
        { type: 'system', orgId: 'org_someoneelse0000', name: 'events' },
        publishJobs('org_someoneelse0000', ids(docs)),
      );
      takeAll();
      expect(await runJobMessage(deps(), { version: 1, jobId: job!._id, orgId: 'org_someoneelse0000' })).toBe(
        'done',
      );
      expect(calls()).toHaveLength(0);
      expect((await stored())[0]!.publishedAt).toBeNull();
    });
  });
});
