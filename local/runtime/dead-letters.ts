/**
 * A dead-letter queue in local mode: it keeps what reaches it, as SQS keeps a DLQ's messages for people to
 * look at, in the collection `local_dead_letters` of the runtime's database (so a restart keeps them too).
 * Messages arrive by redrive (a local queue's maxReceiveCount) or sent directly (rejected commands, with
 * their reason in the attributes).
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import { type DbSource, ensureLocalIndexes, type StoredMessage } from './queue-store.js';

export const DEAD_LETTERS = 'local_dead_letters';

export interface DeadLetter {
  id: string;
  body: string;
  attributes: Record<string, string>;
  at: Date;
  /** For a redriven message: its queue, and how often it was received there. */
  from?: { queue: string; receiveCount: number };
}

interface DeadLetterDoc extends Omit<DeadLetter, 'id'> {
  _id: string;
  queue: string;
  seq: number;
}

let seq = 0;

export class LocalDeadLetterQueue implements MessageQueue {
  constructor(
    readonly name: string,
    private readonly source: DbSource,
    private readonly onMessage?: (m: DeadLetter) => void,
    private readonly now: () => number = Date.now,
  ) {}

  private async collection(): Promise<Collection<DeadLetterDoc>> {
    const db = await this.source();
    await ensureLocalIndexes(db, DEAD_LETTERS, [
      { key: { queue: 1, at: 1, seq: 1 }, name: 'queue_1_at_1_seq_1' },
    ]);
    return db.collection<DeadLetterDoc>(DEAD_LETTERS);
  }

  async send(m: OutgoingMessage): Promise<void> {
    await this.keep(randomUUID(), { body: m.body, attributes: { ...m.attributes } });
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<void> {
    for (const m of messages) await this.send(m);
  }

  /**
   * A message of `queue` received maxReceiveCount times, under its own id: a move cut short and done again
   * keeps one copy.
   */
  async redrive(queue: string, m: StoredMessage): Promise<void> {
    await this.keep(m._id, {
      body: m.body,
      attributes: m.attributes,
      from: { queue, receiveCount: m.receiveCount },
    });
  }

  private async keep(id: string, letter: Omit<DeadLetter, 'id' | 'at'>): Promise<void> {
    const fields = { queue: this.name, at: new Date(this.now()), seq: seq++, ...letter };
    const res = await (await this.collection()).updateOne(
      { _id: id },
      { $setOnInsert: fields },
      { upsert: true },
    );
    if (res.upsertedCount === 1) this.onMessage?.(view({ _id: id, ...fields }));
  }

  /** The dead letters, oldest first. */
  async list(): Promise<DeadLetter[]> {
    const docs = await (await this.collection()).find({ queue: this.name }).sort({ at: 1, seq: 1 }).toArray();
    return docs.map(view);
  }

  /** Removes them all (SQS's PurgeQueue), answering how many there were. */
  async purge(): Promise<number> {
    return (await (await this.collection()).deleteMany({ queue: this.name })).deletedCount;
  }
}

function view(doc: DeadLetterDoc): DeadLetter {
  return {
    id: doc._id,
    body: doc.body,
    attributes: doc.attributes,
    at: doc.at,
    ...(doc.from ? { from: doc.from } : {}),
  };
}
