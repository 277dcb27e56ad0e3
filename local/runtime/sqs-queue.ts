/**
 * An in-process queue with SQS semantics, delivering SQS-shaped batches to a Lambda handler: delay,
 * visibility timeout, redelivery of the messages the handler reports as failed (partial batch responses),
 * and a dead-letter list after maxReceiveCount receives. Local mode only.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';

interface Stored {
  id: string;
  body: string;
  attributes: Record<string, string>;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
}

export interface LocalQueueOptions {
  name: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  batchSize?: number;
  visibilityTimeoutMs?: number;
  maxReceiveCount?: number;
  pollIntervalMs?: number;
  onDeadLetter?: (message: { id: string; body: string; receiveCount: number }) => void;
  /** Where messages go after maxReceiveCount receives, as SQS's redrive policy sends them to a DLQ. */
  deadLetterQueue?: MessageQueue;
  onHandlerError?: (err: unknown) => void;
}

export class LocalSqsQueue implements MessageQueue {
  private readonly messages = new Map<string, Stored>();
  readonly deadLetters: Array<{ id: string; body: string; receiveCount: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: LocalQueueOptions) {}

  get arn(): string {
    return `arn:aws:sqs:local:000000000000:${this.opts.name}`;
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    return this.messages.size;
  }

  /** Messages a receive would get now (neither delayed nor in flight). */
  get visibleDepth(): number {
    const now = Date.now();
    let n = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) n++;
    return n;
  }

  async send(m: OutgoingMessage): Promise<void> {
    this.enqueue(m);
  }

  /** Sends, answering the message id (SQS's SendMessage answers it too). */
  enqueue(m: OutgoingMessage): string {
    const now = Date.now();
    const id = randomUUID();
    if (m.attributes && Object.keys(m.attributes).length > 10) {
      throw new Error('SQS allows at most 10 message attributes');
    }
    this.messages.set(id, {
      id,
      body: m.body,
      attributes: m.attributes ?? {},
      sentAt: now,
      visibleAt: now + (m.delaySeconds ?? 0) * 1000,
      receiveCount: 0,
    });
    this.kick();
    return id;
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<void> {
    for (const m of messages) await this.send(m);
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.opts.pollIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Stops delivering and waits for the batch in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining;
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
    if (this.stopped || this.draining) return;
    this.drain().catch((err: unknown) => this.opts.onHandlerError?.(err));
  }

  private visible(now: number): Stored[] {
    const out: Stored[] = [];
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) out.push(m);
      if (out.length >= (this.opts.batchSize ?? 10)) break;
    }
    return out;
  }

  private async deliverAll(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const now = Date.now();
      const batch = this.visible(now);
      if (batch.length === 0) return;
      for (const m of batch) {
        m.receiveCount++;
        m.visibleAt = now + (this.opts.visibilityTimeoutMs ?? 30_000);
      }
      let failed: Set<string>;
      try {
        const res = await this.opts.handler({ Records: batch.map((m) => this.record(m)) });
        failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        this.opts.onHandlerError?.(err);
        failed = new Set(batch.map((m) => m.id));
      }
      for (const m of batch) {
        if (!failed.has(m.id)) {
          this.messages.delete(m.id);
        } else if (m.receiveCount >= (this.opts.maxReceiveCount ?? 3)) {
          this.messages.delete(m.id);
          const dead = { id: m.id, body: m.body, receiveCount: m.receiveCount };
          this.deadLetters.push(dead);
          this.opts.onDeadLetter?.(dead);
          await this.opts.deadLetterQueue?.send({ body: m.body, attributes: m.attributes });
        }
      }
    }
  }

  private record(m: Stored): SQSRecord {
    return {
      messageId: m.id,
      receiptHandle: `${m.id}:${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.sentAt),
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
