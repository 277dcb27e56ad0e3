/**
 * Hostile regexes through the API: refused where they would backtrack, answered promptly where accepted,
 * and every query a caller's input shapes carries maxTimeMS.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../lib/core/errors.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { asDatabaseError } from '../../lib/db/errors.js';
import { QUERY_MAX_TIME_MS } from '../../lib/db/limits.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { useTestDatabase } from '../helpers/mongo.js';

const now = new Date('2026-12-03T12:00:00Z');

describe('regex conditions', () => {
  const t = useTestDatabase('regexcond');
  const api = testApi(
    () => t.db,
    () => now,
  );
  let token: string;
  let orgId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token, orgId } = await createTestOrg(t.db));
    const names = [`${'a'.repeat(127)}!`, 'a'.repeat(128), `${'a-'.repeat(64)}`, 'web-1'];
    await t.db.collection<{ _id: string }>('machines').insertMany(
      names.map((name, i) => ({
        _id: `mch_regex${String(i).padStart(11, '0')}`,
        orgId,
        cloudId: 'cld_AAAAAAAAAAAAAAAA',
        provider: 'sim',
        externalId: `m-${i}`,
        name,
        state: 'running',
        tags: [],
        extra: {},
        missingSince: null,
        firstSeenAt: now,
        lastSeenAt: now,
      })),
    );
  });

  const preview = (value: string) =>
    api.request('POST', '/v1/conditions/preview', {
      token,
      body: { conditions: { field: 'name', op: 'regex', value } },
    });

  it('refuses (a|a)+$ in a preview with 422 naming the value', async () => {
    const res = await preview('(a|a)+$');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(/conditions\.value: a group may not be repeated/);
  });

  it('refuses a schedule whose conditions hold a repeated group, and stores nothing', async () => {
    const res = await api.request('POST', '/v1/schedules', {
      token,
      body: {
        name: 'hostile',
        conditions: { any: [{ field: 'name', op: 'regex', value: '^(a+)+$' }] },
        action: { type: 'machine.action', action: 'stop' },
        when: { kind: 'interval', every: 60, period: 'minutes' },
      },
    });
    expect(res.status).toBe(422);
    expect(await t.db.collection('schedules').countDocuments({ orgId })).toBe(0);
  });

  it.each([
    ['a*a*a*a*a*a*a*a*b', 0],
    [`${'(a|a)'.repeat(25)}!`, 0],
    ['.*.*.*.*.*.*.*.*!', 1],
    ['[a-z]+-[a-z]+-', 1],
  ])(
    'answers a preview of the accepted pattern %s over 128-character names promptly',
    async (value, count) => {
      const started = performance.now();
      const res = await preview(value);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(count);
    },
  );

  describe('time limits', () => {
    let monitored: MongoClient;
    const started: Array<{ name: string; command: Record<string, unknown> }> = [];

    beforeAll(async () => {
      monitored = new MongoClient(t.uri, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 });
      monitored.on('commandStarted', (e) => started.push({ name: e.commandName, command: e.command }));
      await monitored.connect();
    });
    afterAll(async () => monitored?.close());

    it('sends every list, search, preview and selection query with maxTimeMS', async () => {
      const watched = testApi(
        () => monitored.db(t.name),
        () => now,
      );
      const calls = [
        ['GET', '/v1/machines?q=a%2Ba'],
        ['GET', '/v1/machines?sort=name'],
        ['GET', '/v1/audit'],
        ['GET', '/v1/schedules?q=a'],
        ['GET', '/v1/keys?q=a'],
      ];
      for (const [method, path] of calls)
        expect((await watched.request(method!, path!, { token })).status).toBe(200);
      const res = await watched.request('POST', '/v1/conditions/preview', {
        token,
        body: { conditions: { field: 'name', op: 'regex', value: 'web' } },
      });
      expect(res.body.count).toBe(1);
      const queries = started.filter(
        (s) => ['find', 'aggregate'].includes(s.name) && s.command.find !== 'tokens',
      );
      const onMachines = queries.filter(
        (q) => q.command.find === 'machines' || q.command.aggregate === 'machines',
      );
      expect(onMachines.length).toBeGreaterThanOrEqual(4);
      const listed = queries.filter((q) => !['orgs'].includes(String(q.command.find)));
      expect(listed.filter((q) => q.command.maxTimeMS !== QUERY_MAX_TIME_MS).map((q) => q.command)).toEqual(
        [],
      );
    });

    it('answers 503 when the database stops a query at its time limit', () => {
      const expired = new MongoServerError({
        ok: 0,
        code: 50,
        codeName: 'MaxTimeMSExpired',
        errmsg: 'operation exceeded time limit',
      });
      const mapped = asDatabaseError(expired);
      expect(mapped).toBeInstanceOf(DatabaseUnavailableError);
      expect((mapped as Error).message).toMatch(/within 10 s/);
    });
  });
});
