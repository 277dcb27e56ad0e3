/**
 * What a request that matches no route gets: 405 with Allow for a path asked with a method it does not
 * serve, 404 for a path no route has; and a list cursor that does not decode to a position is a 400.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { apiRoutes } from '../../lib/http/api.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { useTestDatabase } from '../helpers/mongo.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const cursorOf = (state: unknown) => Buffer.from(JSON.stringify(state)).toString('base64url');

describe('routing and cursors', () => {
  const t = useTestDatabase('routing');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'lab', settings: { machines: 5 } },
    });
    await jobs.drain();
  });

  it('answers 405 with Allow listing the methods a path serves, for PUT, OPTIONS or any method it does not', async () => {
    const put = await api.request('PUT', '/v1/machines', { token: owner, body: {} });
    expect(put.status).toBe(405);
    expect(put.headers).toMatchObject({ allow: 'GET', 'content-type': 'application/problem+json' });
    expect(put.body).toMatchObject({ status: 405, code: 'method_not_allowed', allow: ['GET'] });
    const options = await api.request('OPTIONS', '/v1/clouds/cld_AAAAAAAAAAAAAAAA/');
    expect(options.status).toBe(405);
    expect(options.headers.allow?.split(', ').sort()).toEqual(['DELETE', 'GET', 'PATCH']);
    const health = await api.request('DELETE', '/v1/health');
    expect([health.status, health.headers.allow]).toEqual([405, 'GET']);
  });

  it('answers 405 on every declared path for each method it does not serve, naming those it does', async () => {
    const served = new Map<string, Set<string>>();
    for (const r of apiRoutes) served.set(r.path, (served.get(r.path) ?? new Set()).add(r.method));
    for (const [template, methods] of served) {
      const path = template.replace(/\{(\w+)\}/g, 'x');
      // Another template may serve the same concrete path (/v1/commands/schema and /v1/commands/{requestId}).
      const allowed = (
        await api.request(METHODS.find((m) => !methods.has(m))!, path, { token: owner })
      ).headers.allow?.split(', ');
      expect({ path, allowed: allowed && [...methods].every((m) => allowed.includes(m)) }).toEqual({
        path,
        allowed: true,
      });
      for (const method of METHODS.filter((m) => !allowed?.includes(m))) {
        const res = await api.request(method, path, { token: owner });
        expect({ path, method, status: res.status }).toEqual({ path, method, status: 405 });
      }
    }
  });

  it('keeps 404 for a path no route has, whatever the method', async () => {
    for (const [method, path] of [
      ['PUT', '/v1/nothing'],
      ['GET', '/v1/openapi-json'],
      ['OPTIONS', '/v1/machines/mch_AAAAAAAAAAAAAAAA/nothing'],
      ['GET', '/'],
    ] as const) {
      const res = await api.request(method, path, { token: owner });
      expect({ path, status: res.status, allow: res.headers.allow }).toEqual({
        path,
        status: 404,
        allow: undefined,
      });
      expect(res.body.code).toBe('not_found');
    }
  });

  it('answers 400 for a cursor that does not decode to a valid position', async () => {
    const first = await api.request('GET', '/v1/machines?limit=2&sort=firstSeenAt', { token: owner });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api.request(
      'GET',
      `/v1/machines?limit=2&sort=firstSeenAt&cursor=${first.body.nextCursor}`,
      {
        token: owner,
      },
    );
    expect([next.status, next.body.items.length]).toEqual([200, 2]);
    for (const cursor of [
      cursorOf({ s: 'firstSeenAt', v: { $date: 'garbage' }, id: 'mch_AAAAAAAAAAAAAAAA' }),
      cursorOf({ s: 'firstSeenAt', v: { $date: '2026-02-30T00:00:00Z' }, id: 'mch_AAAAAAAAAAAAAAAA' }),
      cursorOf({
        s: 'firstSeenAt',
        v: { $date: '2026-01-01T00:00:00Z', $ne: 1 },
        id: 'mch_AAAAAAAAAAAAAAAA',
      }),
      cursorOf({ s: 'firstSeenAt', v: [1], id: 'mch_AAAAAAAAAAAAAAAA' }),
      cursorOf({ s: 'firstSeenAt', v: null, id: { $gt: '' } }),
      cursorOf({ s: 'firstSeenAt', v: null }),
      cursorOf({ s: 'firstSeenAt', v: null, id: 'mch_AAAAAAAAAAAAAAAA', extra: 1 }),
      cursorOf({ s: 'name', v: 'a', id: 'mch_AAAAAAAAAAAAAAAA' }),
      cursorOf('just a string'),
      Buffer.from('not json').toString('base64url'),
      'not+base64/url=',
    ]) {
      const res = await api.request(
        'GET',
        `/v1/machines?sort=firstSeenAt&cursor=${encodeURIComponent(cursor)}`,
        {
          token: owner,
        },
      );
      expect({ cursor, status: res.status }).toEqual({ cursor, status: 400 });
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
    }
  });
});
