/**
 * Where the local queues keep their messages: the collection `local_queue_messages` of the runtime's own
 * database (the embedded server, whose write-ahead log is fsynced before a write is acknowledged), so a
 * message sent is a message kept, whatever happens to the process. One document per message:
 *
 *   { _id: messageId, queue, body, attributes, sentAt, seq, visibleAt, receiveCount, firstReceivedAt?, receipt }
 *
 * A message is visible when `visibleAt` has come. Receiving is one findOneAndUpdate per message on
 * "visible now", which moves `visibleAt` a visibility timeout on and sets a new receipt, so two receivers
 * never take the same message; deleting and dead-lettering hold the receipt, so a receiver whose timeout ran
 * out (and whose message someone else took since) changes nothing. Local mode only.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { ValidationError } from '../../lib/core/errors.js';
import type { OutgoingMessage } from '../../lib/messages/queue.js';

export const QUEUE_MESSAGES = 'local_queue_messages';

/** SQS's limits on a message: 10 attributes, 15 minutes of delay. */
const MAX_ATTRIBUTES = 10;
const MAX_DELAY_SECONDS = 900;

export interface StoredMessage {
  _id: string;
  queue: string;
  body: string;
  attributes: Record<string, string>;
  sentAt: Date;
  /** Orders messages sent in one millisecond: receives take the oldest visible first. */
  seq: number;
  visibleAt: Date;
  receiveCount: number;
  /** Set by the first receive. */
  firstReceivedAt?: Date;
  /** The receipt handle of the latest receive (null before the first). */
  receipt: string | null;
}

/** A database, or how to get one (the runtime's shared connection, opened on first use). */
export type DbSource = () => Db | Promise<Db>;

const ensured = new WeakMap<Db, Map<string, Promise<unknown>>>();

/** Creates a local collection's indexes once per database handle (createIndexes is idempotent anyway). */
export function ensureLocalIndexes(
  db: Db,
  name: string,
  specs: Parameters<Collection['createIndexes']>[0],
): Promise<unknown> {
  let byName = ensured.get(db);
  if (!byName) {
    byName = new Map();
    ensured.set(db, byName);
  }
  let done = byName.get(name);
  if (!done) {
    const all = byName;
    done = db.collection(name).createIndexes(specs);
    done.catch(() => all.delete(name));
    all.set(name, done);
  }
  return done;
}

let seq = 0;

export class QueueStore {
  constructor(
    private readonly source: DbSource,
    readonly queue: string,
  ) {}

  async collection(): Promise<Collection<StoredMessage>> {
    const db = await this.source();
    await ensureLocalIndexes(db, QUEUE_MESSAGES, [
      // Receiving: the visible messages of a queue, oldest first.
      { key: { queue: 1, visibleAt: 1 }, name: 'queue_1_visibleAt_1' },
      { key: { queue: 1, sentAt: 1, seq: 1 }, name: 'queue_1_sentAt_1_seq_1' },
    ]);
    return db.collection<StoredMessage>(QUEUE_MESSAGES);
  }

  /** Stores the messages (SendMessage / SendMessageBatch), answering their ids. */
  async put(messages: OutgoingMessage[], now: number): Promise<string[]> {
    const docs = messages.map((m): StoredMessage => {
      if (m.attributes && Object.keys(m.attributes).length > MAX_ATTRIBUTES) {
        throw new ValidationError(`SQS allows at most ${MAX_ATTRIBUTES} message attributes`);
      }
      const delay = m.delaySeconds ?? 0;
      if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
        throw new ValidationError(`DelaySeconds must be an integer from 0 to ${MAX_DELAY_SECONDS}`);
      }
      return {
        _id: randomUUID(),
        queue: this.queue,
        body: m.body,
        attributes: { ...m.attributes },
        sentAt: new Date(now),
        seq: seq++,
        visibleAt: new Date(now + delay * 1000),
        receiveCount: 0,
        receipt: null,
      };
    });
    if (docs.length > 0) await (await this.collection()).insertMany(docs, { ordered: true });
    return docs.map((d) => d._id);
  }

  /**
   * Takes up to `max` visible messages, one atomic claim each (ReceiveMessage): each is invisible for
   * `visibilityMs` from `now`, its receive count one higher, and carries a new receipt.
   */
  async receive(max: number, visibilityMs: number, now: number): Promise<StoredMessage[]> {
    const coll = await this.collection();
    const taken: StoredMessage[] = [];
    while (taken.length < max) {
      const claimed = await coll.findOneAndUpdate(
        // With a zero timeout what was just taken is visible at once: not twice in one batch.
        { queue: this.queue, visibleAt: { $lte: new Date(now) }, _id: { $nin: taken.map((m) => m._id) } },
        {
          $set: { visibleAt: new Date(now + visibilityMs), receipt: randomUUID() },
          $inc: { receiveCount: 1 },
          $min: { firstReceivedAt: new Date(now) },
        },
        { sort: { sentAt: 1, seq: 1 }, returnDocument: 'after' },
      );
      if (!claimed) break;
      taken.push(claimed);
    }
    return taken;
  }

  /** DeleteMessage: only under the receipt it was received with. */
  async delete(m: Pick<StoredMessage, '_id' | 'receipt'>): Promise<boolean> {
    const res = await (await this.collection()).deleteOne({
      _id: m._id,
      queue: this.queue,
      receipt: m.receipt,
    });
    return res.deletedCount === 1;
  }

  /** Messages stored: all of them, or those visible at `visibleAt`. */
  async count(visibleAt?: number): Promise<number> {
    const filter =
      visibleAt === undefined
        ? { queue: this.queue }
        : { queue: this.queue, visibleAt: { $lte: new Date(visibleAt) } };
    return (await this.collection()).countDocuments(filter);
  }
}
