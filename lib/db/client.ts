/**
 * One MongoClient per Lambda container (or local process), created on first use and reused across
 * invocations: connecting costs a TLS handshake and server selection, which must not be paid per request.
 */
import { type Db, MongoClient } from 'mongodb';
import { type NimboConfig, readConfig } from '../core/config.js';
import { DatabaseUnavailableError } from '../core/errors.js';
import { log } from '../core/log.js';
import { resolveConnectionString } from './connection-string.js';
import { isDatabaseUnavailable } from './errors.js';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
}

let cached: Promise<MongoHandle> | undefined;

export async function connectMongo(config: NimboConfig): Promise<MongoHandle> {
  const uri = await resolveConnectionString(config);
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: config.MONGODB_TIMEOUT_MS,
    connectTimeoutMS: config.MONGODB_TIMEOUT_MS,
    // A Lambda container serves one request at a time: a small pool is enough and spares Atlas connections.
    maxPoolSize: 5,
    appName: 'nimbo',
  });
  try {
    await client.connect();
  } catch (cause) {
    await client.close().catch(() => {});
    if (isDatabaseUnavailable(cause)) {
      throw new DatabaseUnavailableError('The database is unavailable; try again shortly', { cause });
    }
    throw cause;
  }
  return { client, db: client.db(config.MONGODB_DB) };
}

/** The container's shared connection. A failed attempt is not cached, so the next call tries again. */
export function getMongo(config?: NimboConfig): Promise<MongoHandle> {
  if (!cached) {
    const attempt = connectMongo(config ?? readConfig());
    cached = attempt;
    attempt.catch((err: unknown) => {
      if (cached === attempt) cached = undefined;
      log.warn('mongodb connection failed', { error: err });
    });
  }
  return cached;
}

/** Closes the shared connection (local runtime shutdown, tests). */
export async function closeMongo(): Promise<void> {
  const current = cached;
  cached = undefined;
  if (current) await (await current.catch(() => undefined))?.client.close();
}
