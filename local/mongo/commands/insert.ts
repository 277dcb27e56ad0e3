/** The `insert` command. */
import type { Document } from 'bson';
import { notSupported } from '../errors.js';
import { type CommandSpec, collectionName, namespace, optionalBoolean } from './context.js';
import { prepareForInsert, toWriteError, validateWriteBatch, type WriteError } from './write-support.js';

function insert(cmd: Document, ctx: Parameters<CommandSpec['handler']>[1]): Document {
  const name = collectionName(cmd, 'insert');
  if (name.startsWith('system.')) throw notSupported(`Writing to ${namespace(ctx, name)}`);
  const docs = validateWriteBatch(cmd.documents, 'insert.documents');
  const ordered = optionalBoolean(cmd, 'ordered') ?? true;
  const coll = ctx.storage.ensureCollection(ctx.db, name);
  const writeErrors: WriteError[] = [];
  let n = 0;
  for (let i = 0; i < docs.length; i++) {
    try {
      coll.insert(prepareForInsert(docs[i]));
      n++;
    } catch (err) {
      writeErrors.push(toWriteError(i, err));
      if (ordered) break;
    }
  }
  return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
}

export const insertCommands: Record<string, CommandSpec> = {
  insert: { handler: insert, writes: true },
};
