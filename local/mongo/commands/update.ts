/** The `update` command: operator, replacement and pipeline updates, upserts, multi. */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { findMatches } from '../query-exec.js';
import type { StoredCollection } from '../storage/types.js';
import {
  type CommandContext,
  type CommandSpec,
  collectionName,
  isPlainObject,
  optionalBoolean,
  optionalDocument,
} from './context.js';
import { applyUpdate } from './update-engine.js';
import { type CompiledUpdate, compileUpdate } from './update-parse.js';
import {
  prepareForInsert,
  toWriteError,
  upsertSeed,
  validateWriteBatch,
  type WriteError,
} from './write-support.js';

export interface UpdateStatement {
  q: Document;
  u: CompiledUpdate;
  upsert: boolean;
  multi: boolean;
  arrayFilters?: Document[];
}

export function parseStatement(raw: unknown): UpdateStatement {
  if (!isPlainObject(raw))
    throw new MongoCommandError(ErrorCode.FailedToParse, 'update statement must be an object');
  const q = optionalDocument(raw, 'q') ?? {};
  if (raw.u === undefined)
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "BSON field 'update.updates.u' is missing but a required field",
    );
  if (raw.collation !== undefined) throw notSupported('collation');
  // `sort` on an update statement came with MongoDB 8.0; 7.0's command parser refuses the field.
  if (raw.sort !== undefined) {
    throw new MongoCommandError(40415, "BSON field 'update.updates.sort' is an unknown field.");
  }
  const u = compileUpdate(raw.u);
  const multi = optionalBoolean(raw, 'multi') ?? false;
  if (multi && u.kind === 'replacement') {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      'multi update is not supported for replacement-style update',
    );
  }
  const arrayFilters = raw.arrayFilters;
  if (arrayFilters !== undefined && !Array.isArray(arrayFilters)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'arrayFilters' is the wrong type, expected type 'array'",
    );
  }
  return {
    q,
    u,
    upsert: optionalBoolean(raw, 'upsert') ?? false,
    multi,
    arrayFilters: arrayFilters as Document[] | undefined,
  };
}

/** Builds and inserts the document an upsert creates; returns it. */
export function insertUpserted(ctx: CommandContext, name: string, stmt: UpdateStatement): Document {
  const seed = stmt.u.kind === 'replacement' ? idOnly(upsertSeed(stmt.q)) : upsertSeed(stmt.q);
  const { doc } = applyUpdate(seed, stmt.u, stmt.q, stmt.arrayFilters, true);
  const prepared = prepareForInsert(doc);
  ctx.storage.ensureCollection(ctx.db, name).insert(prepared);
  return prepared;
}

function idOnly(seed: Document): Document {
  return '_id' in seed ? { _id: seed._id } : {};
}

export interface StatementResult {
  n: number;
  nModified: number;
  upsertedId?: unknown;
}

export function runStatement(ctx: CommandContext, name: string, stmt: UpdateStatement): StatementResult {
  const coll: StoredCollection | undefined = ctx.storage.getCollection(ctx.db, name);
  const matches = findMatches(coll, stmt.q, stmt.multi ? Number.POSITIVE_INFINITY : 1);
  if (matches.length === 0) {
    if (!stmt.upsert) return { n: 0, nModified: 0 };
    const doc = insertUpserted(ctx, name, stmt);
    return { n: 1, nModified: 0, upsertedId: doc._id };
  }
  let nModified = 0;
  for (const original of matches) {
    const { doc, changed } = applyUpdate(original, stmt.u, stmt.q, stmt.arrayFilters, false);
    if (changed) {
      (coll as StoredCollection).replace(doc);
      nModified++;
    }
  }
  return { n: matches.length, nModified };
}

function update(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'update');
  if (name.startsWith('system.')) throw notSupported(`Writing to ${ctx.db}.${name}`);
  const statements = validateWriteBatch(cmd.updates, 'update.updates');
  const ordered = optionalBoolean(cmd, 'ordered') ?? true;
  const writeErrors: WriteError[] = [];
  const upserted: Array<{ index: number; _id: unknown }> = [];
  let n = 0;
  let nModified = 0;
  for (let i = 0; i < statements.length; i++) {
    try {
      const result = runStatement(ctx, name, parseStatement(statements[i]));
      n += result.n;
      nModified += result.nModified;
      if (result.upsertedId !== undefined) upserted.push({ index: i, _id: result.upsertedId });
    } catch (err) {
      writeErrors.push(toWriteError(i, err));
      if (ordered) break;
    }
  }
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}

export const updateCommands: Record<string, CommandSpec> = {
  update: { handler: update, writes: true },
};
