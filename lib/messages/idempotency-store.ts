/**
 * Powertools idempotency, persisted in MongoDB: one document per idempotency key in `command_requests`.
 * Taking a key is one atomic upsert that succeeds only when the key is new, expired, or held by an
 * execution whose in-progress lease ran out (its Lambda died); anything else is "already exists", and
 * Powertools answers with the stored result or "in progress". Expired records are removed by a TTL index.
 */
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from '../db/errors.js';

/** Powertools' JSON type, named without importing its commons package (not a dependency of ours). */
type JSONValue = Parameters<BasePersistenceLayer['getRecord']>[0];
type Status = (typeof IdempotencyRecordStatus)[keyof typeof IdempotencyRecordStatus];

export interface IdempotencyDoc {
  _id: string;
  status: Status;
  /** Seconds since the epoch (Powertools' unit), and the same instant as a Date for the TTL index. */
  expiryTimestamp: number;
  expireAt: Date;
  /** Milliseconds since the epoch: until when an in-progress execution holds the key. */
  inProgressExpiryTimestamp?: number;
  responseData?: JSONValue;
  payloadHash?: string;
  /** When the key was first taken. */
  createdAt: Date;
}

export function idempotencyCollection(db: Db): Collection<IdempotencyDoc> {
  return db.collection<IdempotencyDoc>('command_requests');
}

function toRecord(doc: IdempotencyDoc): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey: doc._id,
    status: doc.status,
    expiryTimestamp: doc.expiryTimestamp,
    inProgressExpiryTimestamp: doc.inProgressExpiryTimestamp,
    responseData: doc.responseData,
    payloadHash: doc.payloadHash,
  });
}

export class MongoIdempotencyStore extends BasePersistenceLayer {
  constructor(private readonly db: () => Db | Promise<Db>) {
    super();
  }

  /**
   * The key is the caller's own `key` member (`<orgId>:<requestId>`), kept readable instead of hashed, so
   * an org can read its command's outcome by request id. It holds no secret.
   */
  protected override getHashedIdempotencyKey(data: JSONValue): string {
    const key = (data as { key?: unknown } | null)?.key;
    return typeof key === 'string' ? key : super.getHashedIdempotencyKey(data);
  }

  private async coll(): Promise<Collection<IdempotencyDoc>> {
    return idempotencyCollection(await this.db());
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const doc = await (await this.coll()).findOne({ _id: idempotencyKey });
    if (!doc) throw new IdempotencyItemNotFoundError();
    return toRecord(doc);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const coll = await this.coll();
    const now = Date.now();
    const expiry = record.expiryTimestamp ?? now / 1000;
    const fields: Omit<IdempotencyDoc, '_id' | 'createdAt'> = {
      status: record.getStatus(),
      expiryTimestamp: expiry,
      expireAt: new Date(expiry * 1000),
      ...(record.inProgressExpiryTimestamp !== undefined
        ? { inProgressExpiryTimestamp: record.inProgressExpiryTimestamp }
        : {}),
      ...(this.isPayloadValidationEnabled() && record.payloadHash !== undefined
        ? { payloadHash: record.payloadHash }
        : {}),
    };
    try {
      // Matches only a record that may be taken over; when none matches, the upsert's insert collides
      // with the live record's _id, which is the "already exists" answer.
      await coll.updateOne(
        {
          _id: record.idempotencyKey,
          $or: [
            { expiryTimestamp: { $lt: now / 1000 } },
            { status: IdempotencyRecordStatus.INPROGRESS, inProgressExpiryTimestamp: { $lt: now } },
          ],
        },
        {
          $set: fields,
          $unset: { responseData: '' },
          $setOnInsert: { createdAt: new Date(now) },
        },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await coll.findOne({ _id: record.idempotencyKey });
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        existing ? toRecord(existing) : undefined,
      );
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const expiry = record.expiryTimestamp ?? Date.now() / 1000;
    await (await this.coll()).updateOne(
      { _id: record.idempotencyKey },
      {
        $set: {
          status: record.getStatus(),
          expiryTimestamp: expiry,
          expireAt: new Date(expiry * 1000),
          ...(record.responseData !== undefined ? { responseData: record.responseData } : {}),
          ...(this.isPayloadValidationEnabled() ? { payloadHash: record.payloadHash } : {}),
        },
      },
    );
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await (await this.coll()).deleteOne({ _id: record.idempotencyKey });
  }
}
