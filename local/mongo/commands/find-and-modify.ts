/** The `findAndModify` command (findOneAndUpdate / findOneAndReplace / findOneAndDelete). */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { compileProjection } from '../query.js';
import { runQuery } from '../query-exec.js';
import {
  type CommandContext,
  type CommandSpec,
  collectionName,
  optionalBoolean,
  optionalDocument,
} from './context.js';
import { insertUpserted, type UpdateStatement } from './update.js';
import { applyUpdate } from './update-engine.js';
import { compileUpdate } from './update-parse.js';

function findAndModify(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'findAndModify' in cmd ? 'findAndModify' : 'findandmodify');
  const query = optionalDocument(cmd, 'query') ?? {};
  const sort = optionalDocument(cmd, 'sort');
  const remove = optionalBoolean(cmd, 'remove') ?? false;
  const upsert = optionalBoolean(cmd, 'upsert') ?? false;
  const returnNew = optionalBoolean(cmd, 'new') ?? false;
  const projection = compileProjection(optionalDocument(cmd, 'fields'), query);
  if (cmd.collation !== undefined) throw notSupported('collation');
  const hasUpdate = cmd.update !== undefined && cmd.update !== null;
  if (remove && hasUpdate)
    throw new MongoCommandError(ErrorCode.FailedToParse, 'Cannot specify both an update and remove=true');
  if (remove && upsert)
    throw new MongoCommandError(ErrorCode.FailedToParse, 'Cannot specify both upsert=true and remove=true');
  if (remove && returnNew)
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  if (!remove && !hasUpdate)
    throw new MongoCommandError(ErrorCode.FailedToParse, 'Either an update or remove=true must be specified');
  const arrayFilters = cmd.arrayFilters as Document[] | undefined;
  const update = hasUpdate ? compileUpdate(cmd.update) : undefined;

  const coll = ctx.storage.getCollection(ctx.db, name);
  const target = runQuery(coll, { filter: query, ...(sort ? { sort } : {}), limit: 1 }).docs[0];
  const project = (doc: Document | undefined) => (doc ? (projection.apply([doc])[0] ?? null) : null);

  if (remove) {
    if (!target || !coll) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
    coll.remove(target._id);
    return { lastErrorObject: { n: 1 }, value: project(target), ok: 1 };
  }
  const compiled = update as NonNullable<typeof update>;
  if (!target) {
    if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
    const stmt: UpdateStatement = { q: query, u: compiled, upsert: true, multi: false, arrayFilters };
    const inserted = insertUpserted(ctx, name, stmt);
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id },
      value: returnNew ? project(inserted) : null,
      ok: 1,
    };
  }
  const { doc, changed } = applyUpdate(target, compiled, query, arrayFilters, false);
  if (changed) coll?.replace(doc);
  return {
    lastErrorObject: { n: 1, updatedExisting: true },
    value: project(returnNew ? doc : target),
    ok: 1,
  };
}

export const findAndModifyCommands: Record<string, CommandSpec> = {
  findAndModify: { handler: findAndModify, writes: true },
  findandmodify: { handler: findAndModify, writes: true },
};
