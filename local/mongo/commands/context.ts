/** What every command handler gets, and small argument helpers shared by the handlers. */
import type { Document } from 'bson';
import type { CursorRegistry } from '../cursors.js';
import { ErrorCode, MongoCommandError } from '../errors.js';
import type { LocalSessions } from '../sessions.js';
import type { StorageEngine, StoredCollection } from '../storage/types.js';
import { bsonTypeName, isBsonValue } from '../storage/values.js';

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
}

export interface CommandContext {
  readonly storage: StorageEngine;
  readonly cursors: CursorRegistry;
  readonly connection: ConnectionInfo;
  /** The command's `$db`. */
  readonly db: string;
  readonly startedAt: Date;
  /** The sessions commands came with ($listLocalSessions); absent in contexts built by tests. */
  readonly sessions?: LocalSessions;
}

/** Handlers are synchronous so that each command is atomic (single thread, no awaits in between). */
export type CommandHandler = (cmd: Document, ctx: CommandContext) => Document;

export interface CommandSpec {
  handler: CommandHandler;
  /** Writes are flushed (made durable) before the reply is sent. */
  writes?: boolean;
  /** Runs only against the admin database, like mongod's adminOnly commands. */
  adminOnly?: boolean;
}

export function badValue(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCode.BadValue, message);
}

export function typeMismatch(message: string): MongoCommandError {
  return new MongoCommandError(ErrorCode.TypeMismatch, message);
}

/** The collection name given as the command's first value, validated like mongod's NamespaceString. */
export function collectionName(cmd: Document, field: string): string {
  const value = cmd[field];
  if (typeof value !== 'string') {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `collection name has invalid type ${bsonTypeName(value)}`,
    );
  }
  if (value.length === 0 || value.includes('\0') || value.startsWith('.') || value.includes('$')) {
    throw new MongoCommandError(ErrorCode.InvalidNamespace, `Invalid namespace specified '${value}'`);
  }
  return value;
}

export function optionalDocument(cmd: Document, field: string): Document | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || isBsonValue(v)) {
    throw typeMismatch(
      `BSON field '${field}' is the wrong type '${bsonTypeName(v)}', expected type 'object'`,
    );
  }
  return v as Document;
}

export function optionalNumber(cmd: Document, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  const n = toNumber(v);
  if (n === undefined) {
    throw typeMismatch(
      `BSON field '${field}' is the wrong type '${bsonTypeName(v)}', expected types '[long, int, decimal, double]'`,
    );
  }
  return n;
}

export function optionalBoolean(cmd: Document, field: string): boolean | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  const n = toNumber(v);
  if (n !== undefined) return n !== 0;
  throw typeMismatch(`BSON field '${field}' is the wrong type '${bsonTypeName(v)}', expected type 'bool'`);
}

export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object') {
    const t = (v as { _bsontype?: string })._bsontype;
    if (t === 'Long' || t === 'Int32' || t === 'Double' || t === 'Decimal128') return Number(String(v));
  }
  return undefined;
}

export { bsonTypeName, isBsonValue, isPlainDocument as isPlainObject } from '../storage/values.js';

export function namespace(ctx: CommandContext, coll: string): string {
  return `${ctx.db}.${coll}`;
}

export function getCollection(ctx: CommandContext, name: string): StoredCollection | undefined {
  return ctx.storage.getCollection(ctx.db, name);
}
