/**
 * A queue with SQS semantics in local mode, delivering SQS-shaped batches to a Lambda handler. Its messages
 * live in the runtime's database (queue-store.ts), so neither a restart nor a kill -9 loses one: what was
 * not deleted is delivered again. Delay, visibility timeout, receive counts, redelivery of the messages the
 * handler reports as failed (partial batch responses) once their visibility timeout is over, and of those
 * whose receiver died; a message received maxReceiveCount times goes to the dead-letter queue, as SQS's
 * redrive policy sends it. Receiving is atomic per message, so pollers (two runtimes on one database) never
 * share one. Local mode only.
 */
import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import { LocalDeadLetterQueue } from './dead-letters.js';
import { type DbSource, QueueStore, type StoredMessage } from './queue-store.js';

export interface LocalQueueOptions {
  name: string;
  /** The database holding the messages (the runtime's: the same one the functions use). */
  db: DbSource;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  batchSize?: number;
  visibilityTimeoutMs?: number;
  maxReceiveCount?: number;
  pollIntervalMs?: number;
  /** Where messages go after maxReceiveCount receives; `<name>-dlq` on the same database unless given. */
  deadLetterQueue?: LocalDeadLetterQueue;
  onHandlerError?: (err: unknown) => void;
  /** The clock, in epoch milliseconds (tests move it instead of sleeping). */
  now?: () => number;
}

export class LocalSqsQueue implements MessageQueue {
  readonly deadLetters: LocalDeadLetterQueue;
  private readonly store: QueueStore;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  /** A send came while a drain was under way: drain once more after it, rather than wait for the timer. */
  private kicked = false;
  private stopped = false;

  constructor(private readonly opts: LocalQueueOptions) {
    this.store = new QueueStore(opts.db, opts.name);
    this.now = opts.now ?? Date.now;
    this.deadLetters = opts.deadLetterQueue ?? new LocalDeadLetterQueue(`${opts.name}-dlq`, opts.db);
  }

  get arn(): string {
    return `arn:aws:sqs:local:000000000000:${this.opts.name}`;
  }

  /** Messages waiting or in flight. */
  depth(): Promise<number> {
    return this.store.count();
  }

  /** Messages a receive would get now (neither delayed nor in flight). */
  visibleDepth(): Promise<number> {
    return this.store.count(this.now());
  }

  async send(m: OutgoingMessage): Promise<void> {
    await this.sendMessage(m);
  }

  /** Sends, answering the message id (SQS's SendMessage answers it too). */
  async sendMessage(m: OutgoingMessage): Promise<string> {
    const [id] = await this.store.put([m], this.now());
    this.kick();
    return id!;
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<void> {
    await this.store.put(messages, this.now());
    this.kick();
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Stops delivering and waits for the batch in flight (what it did not delete stays for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining?.catch(() => {});
  }

  /** Delivers until nothing is visible (tests use this to run the queue to completion). */
  async drain(): Promise<void> {
    while (this.draining) await this.draining;
    this.draining = this.deliverAll();
    try {
      await this.draining;
    } finally {
      this.draining = undefined;
    }
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.kicked = true;
      return;
    }
    this.kicked = false;
    this.drain().then(
      () => {
        if (this.kicked) this.kick();
      },
      (err: unknown) => this.opts.onHandlerError?.(err),
    );
  }

  private async deliverAll(): Promise<void> {
    while (!this.stopped && (await this.deliverBatch()));
  }

  /** One receive and its delivery; false when nothing was visible. */
  private async deliverBatch(): Promise<boolean> {
    const maxReceives = this.opts.maxReceiveCount ?? 3;
    const received = await this.store.receive(
      this.opts.batchSize ?? 10,
      this.opts.visibilityTimeoutMs ?? 30_000,
      this.now(),
    );
    if (received.length === 0) return false;
    const batch: StoredMessage[] = [];
    for (const m of received) {
      // Received more often than the redrive policy allows (its receivers died before they could answer).
      if (m.receiveCount > maxReceives) await this.deadLetter(m);
      else batch.push(m);
    }
    if (batch.length === 0) return true;
    let failed: Set<string>;
    try {
      const res = await this.opts.handler({ Records: batch.map((m) => this.record(m)) });
      failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      this.opts.onHandlerError?.(err);
      failed = new Set(batch.map((m) => m._id));
    }
    for (const m of batch) {
      // A failed message stays, visible again when the visibility timeout of its receive is over.
      if (!failed.has(m._id)) await this.store.delete(m);
      else if (m.receiveCount >= maxReceives) await this.deadLetter(m);
    }
    return true;
  }

  /** Copy first, then delete: cut short in between, the message comes again and is moved again (one copy). */
  private async deadLetter(m: StoredMessage): Promise<void> {
    await this.deadLetters.redrive(this.opts.name, m);
    await this.store.delete(m);
  }

  private record(m: StoredMessage): SQSRecord {
    return {
      messageId: m._id,
      receiptHandle: m.receipt ?? '',
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt.getTime()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String((m.firstReceivedAt ?? m.sentAt).getTime()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.attributes).map(([k, v]) => [
          k,
          { stringValue: v, dataType: 'String', stringListValues: [], binaryListValues: [] },
        ]),
      ),
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'local',
    };
  }
}
