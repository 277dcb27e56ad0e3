/**
 * Input the database cannot take: BSON keys and regexes are C strings, so a NUL (\0) in a search, a tag
 * key or a pattern made the driver throw (a BSONError, a 500). Every such input is refused at the edge
 * with a 400 (422 for the conditions grammar) problem+json, and nothing is written.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureIndexes } from '../../lib/db/collections.js';
import { apiRoutes, createApiHandler } from '../../lib/http/api.js';
import { defineRoute } from '../../lib/http/route.js';
import { createTestOrg, makeEvent, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const NUL_TEXT = 'a\u0000b';
const NUL = encodeURIComponent(NUL_TEXT);

describe('input that BSON cannot hold', () => {
  const t = useTestDatabase('hostile');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  /** A real id for the resource named by the path segment before `{id}`. */
  const ids: Record<string, string> = {};

  const get = (path: string) => api.request('GET', path, { token: owner });
  const post = (path: string, body: unknown) => api.request('POST', path, { token: owner, body });
  /** The route's path with real ids, and a well-formed one where the route takes a second id. */
  const fill = (path: string) =>
    path
      .replace(/\/(\w+)\/\{id\}/, (_, segment: string) => `/${segment}/${ids[segment]}`)
      .replace('{recordId}', 'rec_AAAAAAAAAAAAAAAA')
      .replace('{overrideId}', 'ovr_AAAAAAAAAAAAAAAA');
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        ['jobs', 'machines', 'networks', 'sim_net', 'audit', 'schedules', 'rules'].map(
          async (c) => [c, await t.db.collection<AnyDoc>(c).countDocuments({})] as const,
        ),
      ),
    );

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    const cloud = await post('/v1/clouds', { provider: 'sim', name: 'lab', settings: { machines: 3 } });
    ids.clouds = cloud.body.cloud.id;
    await jobs.drain();
    ids.machines = (await get('/v1/machines')).body.items[0].id;
    ids.zones = (await post(`/v1/clouds/${ids.clouds}/zones`, { name: 'example.com' })).body.zone.id;
    ids.networks = (
      await post(`/v1/clouds/${ids.clouds}/networks`, {
        name: 'n',
        cidr: '10.0.0.0/16',
        region: 'sim-east-1',
      })
    ).body.id;
    ids.scripts = (
      await post('/v1/scripts', {
        name: 'hello',
        kind: 'executable',
        source: { type: 'inline', content: '#!/bin/sh\necho hi' },
      })
    ).body.id;
    ids.schedules = (
      await post('/v1/schedules', {
        name: 'nightly',
        conditions: { tags: { include: ['env=dev'] } },
        action: { type: 'machine.action', action: 'stop' },
        when: { kind: 'interval', every: { value: 1, unit: 'days' } },
      })
    ).body.id;
    ids.webhooks = (
      await post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['machine.state_changed'] })
    ).body.webhook.id;
    ids.rules = (
      await post('/v1/rules', {
        name: 'pager',
        event: 'machine.unreachable',
        forMinutes: 5,
        webhookIds: [ids.webhooks],
      })
    ).body.id;
    ids.calendars = (await post('/v1/calendars', { name: 'holidays', dates: ['2026-12-25'] })).body.id;
    expect(Object.values(ids).every(Boolean)).toBe(true);
  });

  const shapeOf = (schema: unknown) =>
    schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : {};
  const listRoutes = apiRoutes.filter((r) => r.method === 'GET' && 'q' in shapeOf(r.query));
  const queryRoutes = apiRoutes.filter((r) => Object.keys(shapeOf(r.query)).length > 0);

  it('answers 400 for a NUL byte in q on every list route, and still searches with a plain q', async () => {
    expect(listRoutes.length).toBeGreaterThanOrEqual(11);
    for (const route of listRoutes) {
      const path = fill(route.path);
      const res = await get(`${path}?q=${NUL}`);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ in: 'query', path: 'q', message: expect.stringContaining('NUL') }],
      });
      expect({ path, status: (await get(`${path}?q=a`)).status }).toEqual({ path, status: 200 });
    }
  });

  it('answers 400 for a NUL byte in any query parameter of any route', async () => {
    for (const route of queryRoutes) {
      for (const name of Object.keys(shapeOf(route.query))) {
        const path = `${fill(route.path)}?${name}=${NUL}`;
        const res = await api.request(route.method, path, { token: owner });
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect({ path, errors: res.body.errors }).toMatchObject({
          path,
          errors: [{ in: 'query', path: name }],
        });
      }
    }
  });

  it('refuses a NUL in the tag key of a new machine or network, and writes nothing', async () => {
    const before = await counts();
    const machine = await post(`/v1/clouds/${ids.clouds}/machines`, {
      name: 'm',
      region: 'sim-east-1',
      image: 'sim-ubuntu-24.04',
      size: 'sim.small',
      tags: { 'a\u0000b': 'v' },
    });
    const network = await post(`/v1/clouds/${ids.clouds}/networks`, {
      name: 'n2',
      cidr: '10.1.0.0/16',
      region: 'sim-east-1',
      tags: { 'a\u0000b': 'v' },
    });
    for (const res of [machine, network]) {
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
    expect(network.body.errors).toMatchObject([{ in: 'body', path: 'tags.a\u0000b', message: /NUL/ }]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a NUL in a tag selector or a regex condition (MongoDB cannot compile it), storing nothing', async () => {
    const before = await counts();
    for (const conditions of [
      { field: 'name', op: 'regex', value: 'web\u0000' },
      { tags: { include: ['env\u0000'] } },
    ]) {
      const preview = await post('/v1/conditions/preview', { conditions });
      expect(preview.status).toBe(422);
      expect(preview.body.errors[0].message).toMatch(/NUL/);
      const schedule = await post('/v1/schedules', {
        name: 'never',
        conditions,
        action: { type: 'machine.action', action: 'stop' },
        when: { kind: 'interval', every: { value: 1, unit: 'days' } },
      });
      expect(schedule.status).toBe(422);
      // A rule's body, conditions included, is checked as a webhook's is: 400.
      const rule = await post('/v1/rules', {
        name: 'never',
        event: 'machine.created',
        conditions,
        webhookIds: [ids.webhooks],
      });
      expect(rule.status).toBe(400);
      expect(rule.body.errors[0].message).toMatch(/NUL/);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 400, not 500, when the driver cannot encode a value the schemas let through', async () => {
    // A route of this test only: it hands the real driver a regex with a NUL, as a forgotten schema would.
    const leaky = defineRoute({
      method: 'GET',
      path: '/v1/leaky',
      operationId: 'leaky',
      summary: 'A search no schema guards',
      tag: 'test',
      auth: 'public',
      responses: { 200: { description: 'Found' } },
      handler: async ({ deps }) => {
        const found = await (await deps()).db.collection('machines').findOne({ name: new RegExp(NUL_TEXT) });
        return { status: 200, body: { found } };
      },
    });
    const handler = createApiHandler({
      routes: [leaky],
      deps: async () => ({ db: t.db, now: () => new Date() }),
    });
    const res = await handler(makeEvent('GET', '/v1/leaky'), {} as never);
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body ?? '{}');
    expect(body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(JSON.stringify(body)).not.toMatch(/BSON|null bytes|\bat .*:\d+/);
  });
});
