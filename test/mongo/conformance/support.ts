/**
 * Small helpers shared by the conformance suite.
 *
 * The suite asserts what a real mongod 7.0 answers (documents, counts, error codes and messages), through the
 * official driver only, so it runs unchanged against either server:
 *   npx vitest run test/mongo/conformance                          # embedded server, in memory
 *   MONGODB_URI=mongodb://127.0.0.1:27017 npx vitest run test/mongo/conformance   # a real mongod
 * Tests that only make sense for the embedded server are marked `it.skipIf(!t.embedded)`.
 */
import {
  type Collection,
  type Decimal128,
  type Document,
  type Double,
  type Int32,
  Long,
  MongoServerError,
  type ObjectId,
} from 'mongodb';
import { expect } from 'vitest';

/** Awaits `op` and returns the MongoServerError it rejects with; fails the test if it resolves or throws anything else. */
export async function serverError(op: Promise<unknown>): Promise<MongoServerError> {
  let outcome: unknown;
  try {
    outcome = await op;
  } catch (error) {
    if (error instanceof MongoServerError) return error;
    throw new Error(`expected a MongoServerError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a MongoServerError, but the operation succeeded with ${JSON.stringify(outcome)}`);
}

/** Asserts `op` rejects with a MongoServerError of this code and returns the error for further checks. */
export async function expectCode(op: Promise<unknown>, code: number): Promise<MongoServerError> {
  const error = await serverError(op);
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  return error;
}

/** The `_id`s a filter selects, sorted ascending (numbers). */
export async function ids(coll: Collection<Loose>, filter: Document): Promise<unknown[]> {
  const docs = await coll.find(filter, { projection: { _id: 1 } }).toArray();
  return docs.map((d) => d._id).sort((a, b) => Number(a) - Number(b));
}

/** `_id`s in the order the server returned them. */
export function orderedIds(docs: Document[]): unknown[] {
  return docs.map((d) => d._id);
}

/** Cursor ids come back as Long or (when small) number; getMore/killCursors need an int64. */
export function asLong(id: unknown): Long {
  if (Long.isLong(id)) return id;
  if (typeof id === 'number') return Long.fromNumber(id);
  if (typeof id === 'bigint') return Long.fromBigInt(id);
  throw new Error(`not a cursor id: ${String(id)}`);
}

let counter = 0;
/** A collection name that no other test in the file uses. */
export function freshName(base: string): string {
  counter += 1;
  return `${base}_${counter}`;
}

/** Any `_id` value the suite uses (mongod accepts every BSON type but arrays). */
export type AnyId =
  | ObjectId
  | string
  | number
  | boolean
  | Date
  | Long
  | Int32
  | Double
  | Decimal128
  | Document
  | null;
/** A schema loose enough for the arbitrary shapes the suite stores (numeric and string `_id`s included). */
export type Loose = { _id?: AnyId; [key: string]: any };
