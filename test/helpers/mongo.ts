/**
 * Each test file gets a database of its own on the run's server, dropped when the file ends.
 * Usage: `const t = useTestDatabase();` at the top of a describe, then `t.db` / `t.client` / `t.uri` in tests.
 */
import { randomBytes } from 'node:crypto';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, inject } from 'vitest';

export interface TestDatabase {
  readonly uri: string;
  readonly client: MongoClient;
  readonly db: Db;
  readonly name: string;
  readonly embedded: boolean;
}

export function uniqueDbName(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export function useTestDatabase(prefix = 't'): TestDatabase {
  const state: { client?: MongoClient; db?: Db; name: string } = { name: uniqueDbName(prefix) };
  beforeAll(async () => {
    state.client = new MongoClient(inject('mongoUri'), { serverSelectionTimeoutMS: 5_000 });
    await state.client.connect();
    state.db = state.client.db(state.name);
  });
  afterAll(async () => {
    await state.db?.dropDatabase().catch(() => {});
    await state.client?.close();
  });
  return {
    get uri() {
      return inject('mongoUri');
    },
    get client() {
      if (!state.client) throw new Error('useTestDatabase: used outside a test');
      return state.client;
    },
    get db() {
      if (!state.db) throw new Error('useTestDatabase: used outside a test');
      return state.db;
    },
    get name() {
      return state.name;
    },
    get embedded() {
      return inject('mongoIsEmbedded');
    },
  };
}

/** For tests that inspect stored documents directly: string ids, any fields. */
export type AnyDoc = { _id: string } & Record<string, any>;
