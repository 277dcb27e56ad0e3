/** The `delete` command. */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { findMatches } from '../query-exec.js';
import {
  type CommandContext,
  type CommandSpec,
  collectionName,
  isPlainObject,
  optionalBoolean,
  optionalDocument,
  toNumber,
} from './context.js';
import { toWriteError, validateWriteBatch, type WriteError } from './write-support.js';

function deleteCommand(cmd: Document, ctx: CommandContext): Document {
  const name = collectionName(cmd, 'delete');
  if (name.startsWith('system.')) throw notSupported(`Writing to ${ctx.db}.${name}`);
  const statements = validateWriteBatch(cmd.deletes, 'delete.deletes');
  const ordered = optionalBoolean(cmd, 'ordered') ?? true;
  const coll = ctx.storage.getCollection(ctx.db, name);
  const writeErrors: WriteError[] = [];
  let n = 0;
  for (let i = 0; i < statements.length; i++) {
    try {
      const stmt = statements[i];
      if (!isPlainObject(stmt))
        throw new MongoCommandError(ErrorCode.FailedToParse, 'delete statement must be an object');
      const limit = toNumber(stmt.limit);
      if (limit !== 0 && limit !== 1) {
        throw new MongoCommandError(
          ErrorCode.FailedToParse,
          `The limit field in delete objects must be 0 or 1. Got ${String(stmt.limit)}`,
        );
      }
      if (stmt.collation !== undefined) throw notSupported('collation');
      const q = optionalDocument(stmt, 'q') ?? {};
      for (const doc of findMatches(coll, q, limit === 1 ? 1 : Number.POSITIVE_INFINITY)) {
        if (coll?.remove(doc._id)) n++;
      }
    } catch (err) {
      writeErrors.push(toWriteError(i, err));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

export const deleteCommands: Record<string, CommandSpec> = {
  delete: { handler: deleteCommand, writes: true },
};
