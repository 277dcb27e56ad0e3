/**
 * Routes a command document to its handler and turns every failure into a mongod-shaped error reply.
 * Nothing thrown by a handler escapes: the reply is always a document.
 */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError, notSupported } from '../errors.js';
import { withVariables } from '../mingo-context.js';
import { bsonTypeName, isPlainDocument } from '../storage/values.js';
import { adminCommands } from './admin.js';
import { aggregateCommands } from './aggregate.js';
import type { CommandContext, CommandSpec } from './context.js';
import { deleteCommands } from './delete.js';
import { findCommands } from './find.js';
import { findAndModifyCommands } from './find-and-modify.js';
import { handshakeCommands } from './handshake.js';
import { indexCommands } from './indexes.js';
import { insertCommands } from './insert.js';
import { updateCommands } from './update.js';

const registry: Record<string, CommandSpec> = {
  ...handshakeCommands,
  ...insertCommands,
  ...updateCommands,
  ...deleteCommands,
  ...findAndModifyCommands,
  ...findCommands,
  ...aggregateCommands,
  ...indexCommands,
  ...adminCommands,
};

/** Commands mongod has that this server deliberately refuses with 115 rather than 59. */
const UNSUPPORTED = new Set([
  'commitTransaction',
  'abortTransaction',
  'bulkWrite',
  'explain',
  'mapReduce',
  'geoSearch',
  'createUser',
  'dropUser',
  'updateUser',
  'usersInfo',
  'createRole',
  'saslStart',
  'saslContinue',
  'authenticate',
  'shutdown',
  'fsync',
  'compact',
  'validate',
  'collMod',
  'convertToCapped',
  'cloneCollectionAsCapped',
  'cleanupOrphaned',
  'replSetGetStatus',
  'replSetInitiate',
  'setFeatureCompatibilityVersion',
  'currentOp',
  'killOp',
  'profile',
  'checkMetadataConsistency',
  'createSearchIndexes',
  'listSearchIndexes',
  'dropSearchIndex',
  'updateSearchIndex',
]);

export interface CommandOutcome {
  reply: Document;
  /** Whether the command may have changed data (the caller flushes storage before replying). */
  wrote: boolean;
}

export function commandName(cmd: Document): string | undefined {
  for (const key in cmd) return key;
  return undefined;
}

/** A command's `let`: a document of variables, given to the expressions it evaluates as `$$name`. */
function letOf(name: string, value: unknown): Document {
  if (!isPlainDocument(value)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      `BSON field '${name}.let' is the wrong type '${bsonTypeName(value)}', expected type 'object'`,
    );
  }
  return value;
}

export function runCommand(cmd: Document, ctx: CommandContext): CommandOutcome {
  const name = commandName(cmd);
  let wrote = false;
  try {
    if (name === undefined) throw new MongoCommandError(ErrorCode.FailedToParse, 'Empty command object');
    if (cmd.lsid !== undefined) ctx.sessions?.touch(cmd.lsid);
    if (cmd.startTransaction !== undefined || cmd.autocommit === false || UNSUPPORTED.has(name)) {
      const what =
        cmd.startTransaction !== undefined || cmd.autocommit === false || name.endsWith('Transaction')
          ? 'A multi-document transaction'
          : `The '${name}' command`;
      throw notSupported(what);
    }
    const spec = registry[name];
    if (!spec || !Object.hasOwn(registry, name)) {
      throw new MongoCommandError(ErrorCode.CommandNotFound, `no such command: '${name}'`);
    }
    if (spec.adminOnly && ctx.db !== 'admin') {
      throw new MongoCommandError(
        13,
        `${name} may only be run against the admin database.`,
        {},
        'Unauthorized',
      );
    }
    wrote = spec.writes === true;
    const reply =
      cmd.let === undefined
        ? spec.handler(cmd, ctx)
        : withVariables(letOf(name, cmd.let), () => spec.handler(cmd, ctx));
    return { reply, wrote };
  } catch (err) {
    return { reply: errorReply(err), wrote };
  }
}

export function errorReply(err: unknown): Document {
  if (err instanceof MongoCommandError) return err.toReply();
  const message = err instanceof Error ? err.message : String(err);
  // mingo's assertion errors are bad queries or pipelines, not server faults.
  if (err instanceof Error && err.constructor.name === 'MingoError') {
    return new MongoCommandError(ErrorCode.BadValue, message).toReply();
  }
  return new MongoCommandError(ErrorCode.InternalError, message || 'internal error').toReply();
}
