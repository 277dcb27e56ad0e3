/**
 * The local queues against the database: SQS's delay, visibility timeout, receive counts, partial batch
 * failures and redrive to the dead-letter queue, an atomic receive (two pollers never share a message),
 * and messages that outlive the client, the queue object and the receivers that died holding them.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MongoClient } from 'mongodb';
import { describe, expect, inject, it } from 'vitest';
import { LocalDeadLetterQueue } from '../../local/runtime/dead-letters.js';
import { QueueStore } from '../../local/runtime/queue-store.js';
import { type LocalQueueOptions, LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { uniqueDbName, useTestDatabase } from '../helpers/mongo.js';

describe('the local queue, kept in the database', () => {
  const t = useTestDatabase('queue');
  let clock = Date.parse('2026-11-25T12:00:00Z');
  const now = () => clock;

  /** A queue whose handler records every record it gets and fails the bodies in `fail`. */
  function queue({ fail, ...opts }: Partial<LocalQueueOptions> & { fail?: Set<string> } = {}) {
    const records: SQSRecord[] = [];
    const name = opts.name ?? uniqueDbName('q');
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      records.push(...event.Records);
      const failed = event.Records.filter((r) => fail?.has(r.body));
      return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
    };
    const q = new LocalSqsQueue({
      name,
      db: () => t.db,
      handler,
      visibilityTimeoutMs: 10_000,
      maxReceiveCount: 3,
      now,
      ...opts,
    });
    return { q, name, records, bodies: () => records.map((r) => r.body) };
  }

  it('delivers SQS records with their attributes and deletes what the handler did not report', async () => {
    const { q, records } = queue();
    await q.send({ body: 'hello', attributes: { Authorization: 'Bearer x' } });
    await q.drain();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      body: 'hello',
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(clock) },
      messageAttributes: { Authorization: { stringValue: 'Bearer x', dataType: 'String' } },
    });
    expect(await q.depth()).toBe(0);
  });

  it('holds a delayed message back until its DelaySeconds are over', async () => {
    const { q, bodies } = queue();
    await q.send({ body: 'later', delaySeconds: 5 });
    await q.send({ body: 'now' });
    await q.drain();
    expect(bodies()).toEqual(['now']);
    expect([await q.depth(), await q.visibleDepth()]).toEqual([1, 0]);
    clock += 4_999;
    await q.drain();
    expect(bodies()).toEqual(['now']);
    clock += 1;
    await q.drain();
    expect(bodies()).toEqual(['now', 'later']);
    expect(await q.depth()).toBe(0);
  });

  it('redelivers only the failed items of a batch, once their visibility timeout is over', async () => {
    const fail = new Set(['b']);
    const { q, records, bodies } = queue({ fail });
    await q.sendBatch([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await q.drain();
    expect(bodies()).toEqual(['a', 'b', 'c']);
    expect([await q.depth(), await q.visibleDepth()]).toEqual([1, 0]);
    clock += 9_999;
    await q.drain();
    expect(bodies()).toHaveLength(3);
    clock += 1;
    fail.clear();
    await q.drain();
    expect(bodies()).toEqual(['a', 'b', 'c', 'b']);
    expect(records[3]!.attributes.ApproximateReceiveCount).toBe('2');
    expect(records[3]!.messageId).toBe(records[1]!.messageId);
    expect(records[3]!.receiptHandle).not.toBe(records[1]!.receiptHandle);
    expect(await q.depth()).toBe(0);
  });

  it('with a zero visibility timeout, redelivers at once, and moves the message to the DLQ after maxReceiveCount', async () => {
    const { q, name, bodies } = queue({ fail: new Set(['poison']), visibilityTimeoutMs: 0 });
    await q.sendBatch([{ body: 'poison', attributes: { a: '1' } }, { body: 'fine' }]);
    await q.drain();
    expect(bodies()).toEqual(['poison', 'fine', 'poison', 'poison']);
    expect(await q.depth()).toBe(0);
    expect(await q.deadLetters.list()).toEqual([
      {
        id: expect.any(String),
        body: 'poison',
        attributes: { a: '1' },
        at: expect.any(Date),
        from: { queue: name, receiveCount: 3 },
      },
    ]);
  });

  it('redelivers what a receiver took and never answered for (it died), and dead-letters it undelivered past maxReceiveCount', async () => {
    const { q, name, records } = queue();
    // Another process's sender and receiver, on the same database: the receiver dies holding what it took.
    const dead = new QueueStore(() => t.db, name);
    await dead.put([{ body: 'held' }, { body: 'free' }], clock);
    expect((await dead.receive(10, 10_000, clock)).map((m) => m.body)).toEqual(['held', 'free']);
    await q.drain();
    expect(records).toEqual([]);
    clock += 10_000;
    expect(await dead.receive(1, 10_000, clock)).toMatchObject([{ body: 'held', receiveCount: 2 }]);
    await q.drain();
    expect(records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([['free', '2']]);
    clock += 10_000;
    expect(await dead.receive(1, 10_000, clock)).toMatchObject([{ body: 'held', receiveCount: 3 }]);
    clock += 10_000;
    await q.drain();
    // A fourth receive is one more than the redrive policy allows: to the DLQ, never to the handler.
    expect(records).toHaveLength(1);
    expect(await q.deadLetters.list()).toMatchObject([
      { body: 'held', from: { queue: name, receiveCount: 4 } },
    ]);
    expect(await q.depth()).toBe(0);
  });

  it('never gives one message to two receivers at once', async () => {
    const name = uniqueDbName('shared');
    const clients = [new MongoClient(inject('mongoUri')), new MongoClient(inject('mongoUri'))];
    try {
      const stores = clients.map((c) => new QueueStore(() => c.db(t.name), name));
      await stores[0]!.put(
        Array.from({ length: 30 }, (_, i) => ({ body: `m${i}` })),
        clock,
      );
      // Forty receives of one message each, side by side over two connections, for thirty messages.
      const taken = (
        await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.receive(1, 60_000, clock)))
      ).flat();
      expect(taken).toHaveLength(30);
      expect(new Set(taken.map((m) => m._id)).size).toBe(30);

      // And two queues draining one queue's messages: each message is handled exactly once.
      const seen: string[] = [];
      const perPoller = [0, 0];
      const pollers = clients.map(
        (c, i) =>
          new LocalSqsQueue({
            name: `${name}-2`,
            db: () => c.db(t.name),
            visibilityTimeoutMs: 60_000,
            now,
            handler: async (event) => {
              await new Promise((r) => setTimeout(r, 2));
              seen.push(...event.Records.map((r) => r.body));
              perPoller[i]! += event.Records.length;
              return { batchItemFailures: [] };
            },
          }),
      );
      await new QueueStore(() => clients[0]!.db(t.name), `${name}-2`).put(
        Array.from({ length: 60 }, (_, i) => ({ body: `n${i}` })),
        clock,
      );
      await Promise.all(pollers.map((p) => p.drain()));
      expect(seen).toHaveLength(60);
      expect(new Set(seen).size).toBe(60);
      expect(perPoller.every((n) => n > 0)).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('keeps its messages, delayed and in flight ones too, across closing the client and opening another', async () => {
    const name = uniqueDbName('kept');
    const first = new MongoClient(inject('mongoUri'));
    // The process before the restart: sent three, took one, and was gone before it could answer.
    const before = new QueueStore(() => first.db(t.name), name);
    await before.put(
      [{ body: 'in flight' }, { body: 'waiting' }, { body: 'delayed', delaySeconds: 30 }],
      clock,
    );
    await before.receive(1, 10_000, clock);
    const dlq = new LocalDeadLetterQueue(`${name}-dlq`, () => first.db(t.name));
    await dlq.send({ body: 'rejected', attributes: { NimboRejectCode: 'forbidden' } });
    await first.close();

    const second = new MongoClient(inject('mongoUri'));
    try {
      const after = queue({ name, db: () => second.db(t.name) });
      expect(await after.q.depth()).toBe(3);
      await after.q.drain();
      expect(after.bodies()).toEqual(['waiting']);
      clock += 10_000;
      await after.q.drain();
      expect(after.bodies()).toEqual(['waiting', 'in flight']);
      expect(after.records[1]!.attributes.ApproximateReceiveCount).toBe('2');
      clock += 20_000;
      await after.q.drain();
      expect(after.bodies()).toEqual(['waiting', 'in flight', 'delayed']);
      expect(await after.q.depth()).toBe(0);
      expect(await after.q.deadLetters.list()).toMatchObject([
        { body: 'rejected', attributes: { NimboRejectCode: 'forbidden' } },
      ]);
    } finally {
      await second.close();
    }
  });

  it('refuses what SQS refuses: more than 10 attributes, a delay over 900 s', async () => {
    const { q } = queue();
    const attributes = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v']));
    await expect(q.send({ body: 'x', attributes })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(q.send({ body: 'x', delaySeconds: 901 })).rejects.toThrow(/DelaySeconds/);
    expect(await q.depth()).toBe(0);
  });
});
