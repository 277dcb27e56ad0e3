import { afterAll, describe, expect, inject, it } from 'vitest';
import { readConfig } from '../../lib/core/config.js';
import { DatabaseUnavailableError } from '../../lib/core/errors.js';
import { closeMongo, getMongo } from '../../lib/db/client.js';
import { uniqueDbName } from '../helpers/mongo.js';

describe('the shared MongoDB connection', () => {
  const good = readConfig({ MONGODB_URI: inject('mongoUri'), MONGODB_DB: uniqueDbName('client') });
  const unreachable = readConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1', MONGODB_TIMEOUT_MS: '300' });

  afterAll(async () => {
    const { db } = await getMongo(good);
    await db.dropDatabase();
    await closeMongo();
  });

  it('is created once and reused across calls, as across Lambda invocations', async () => {
    const a = await getMongo(good);
    const b = await getMongo(good);
    expect(a).toBe(b);
    await a.db.collection('probe').insertOne({ ok: true });
    expect(await b.db.collection('probe').countDocuments()).toBe(1);
  });

  it('fails with DatabaseUnavailableError when MongoDB cannot be reached, and does not cache the failure', async () => {
    await closeMongo();
    await expect(getMongo(unreachable)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    const handle = await getMongo(good);
    expect(handle.db.databaseName).toBe(good.MONGODB_DB);
  });
});
