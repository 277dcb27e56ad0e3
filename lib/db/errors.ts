/**
 * Turns driver errors that mean "the database is not there" into DatabaseUnavailableError (503), a value
 * the driver cannot encode into ValidationError (400), and leaves everything else alone: a duplicate key or
 * a validation error is the caller's business.
 */
import {
  BSON,
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';
import { DatabaseUnavailableError, ValidationError } from '../core/errors.js';
import { QUERY_MAX_TIME_MS } from './limits.js';

const UNAVAILABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoPoolClosedError',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return true;
  return err instanceof MongoError && UNAVAILABLE.has(err.name);
}

/** mongod's MaxTimeMSExpired: the query ran past its maxTimeMS (limits.ts). */
const MAX_TIME_EXPIRED = 50;

export function asDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  if (err instanceof MongoServerError && err.code === MAX_TIME_EXPIRED) {
    return new DatabaseUnavailableError(
      `The database did not finish this query within ${QUERY_MAX_TIME_MS / 1000} s; narrow it or try again`,
      { cause: err },
    );
  }
  if (isDatabaseUnavailable(err)) {
    return new DatabaseUnavailableError('The database is unavailable; try again shortly', { cause: err });
  }
  // The schemas refuse what BSON cannot hold (NUL in a key or a regex); this is the net for what they miss.
  if (BSON.BSONError.isBSONError(err)) {
    return new ValidationError('The request holds a value that cannot be stored or searched for', {
      cause: err,
    });
  }
  return err;
}

/** A duplicate key, or a bulk write whose every failure is a duplicate key (the rest were written). */
export function isDuplicateKeyError(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return errors.length > 0 && errors.every((e) => e.code === 11000);
  }
  return err instanceof MongoServerError && err.code === 11000;
}
