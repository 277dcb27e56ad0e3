import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { MachineDoc } from '../../lib/db/documents.js';
import { compileConditions } from '../../lib/machines/conditions.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { useTestDatabase } from '../helpers/mongo.js';

const now = new Date('2026-11-25T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

function machine(orgId: string, id: string, over: Partial<MachineDoc>): MachineDoc {
  return {
    _id: id,
    orgId,
    cloudId: 'cld_AAAAAAAAAAAAAAAA',
    provider: 'sim',
    externalId: id,
    name: id,
    state: 'running',
    region: 'sim-east-1',
    location: 'sim-east-1a',
    size: 'sim.small',
    image: 'sim-debian-12',
    publicIps: [],
    privateIps: [],
    tags: [],
    launchedAt: null,
    hourlyCost: 0.02,
    actions: {
      start: false,
      stop: true,
      reboot: true,
      destroy: true,
      resize: true,
      rename: true,
      remove: false,
      snapshot: true,
    },
    extra: {},
    firstSeenAt: daysAgo(1),
    lastSeenAt: now,
    missingSince: null,
    updatedAt: now,
    ...over,
  };
}

describe('conditions', () => {
  const t = useTestDatabase('conditions');
  const api = testApi(
    () => t.db,
    () => now,
  );
  let token: string;
  let orgId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token, orgId } = await createTestOrg(t.db));
    const other = await createTestOrg(t.db);
    await t.db.collection<MachineDoc>('machines').insertMany([
      machine(orgId, 'web-1', {
        tags: [
          { k: 'env', v: 'prod' },
          { k: 'team', v: 'core' },
        ],
        firstSeenAt: daysAgo(30),
      }),
      machine(orgId, 'web-2', { tags: [{ k: 'env', v: 'staging' }], state: 'stopped', hourlyCost: 0.1 }),
      machine(orgId, 'db-1', {
        tags: [
          { k: 'env', v: 'prod' },
          { k: 'pii', v: '' },
        ],
        size: 'sim.large',
        hourlyCost: 0.2,
      }),
      machine(orgId, 'old-gone', {
        tags: [{ k: 'env', v: 'prod' }],
        missingSince: daysAgo(2),
        firstSeenAt: daysAgo(90),
      }),
      machine(other.orgId, 'theirs-1', { tags: [{ k: 'env', v: 'prod' }], firstSeenAt: daysAgo(300) }),
    ]);
  });

  async function preview(conditions: unknown, limit = 20) {
    return api.request('POST', '/v1/conditions/preview', { token, body: { conditions, limit } });
  }
  async function names(conditions: unknown) {
    const res = await preview(conditions);
    expect(res.status).toBe(200);
    return res.body.items.map((m: { name: string }) => m.name).sort();
  }

  it.each([
    ['a field equality', { field: 'state', op: 'eq', value: 'stopped' }, ['web-2']],
    ['a numeric comparison', { field: 'cost', op: 'gte', value: 0.1 }, ['db-1', 'web-2']],
    ['a list', { field: 'size', op: 'in', value: ['sim.large', 'sim.xlarge'] }, ['db-1']],
    ['an anchored regex', { field: 'name', op: 'regex', value: 'web-' }, ['web-1', 'web-2']],
    ['an anchored regex that does not match mid-string', { field: 'name', op: 'regex', value: 'eb' }, []],
    ['an anchored alternation', { field: 'name', op: 'regex', value: 'db-|web-2' }, ['db-1', 'web-2']],
    [
      'an alternation that would match mid-string unanchored',
      { field: 'name', op: 'regex', value: 'x|b-1' },
      [],
    ],
    ['a tag key', { tags: { include: ['pii'] } }, ['db-1']],
    ['a tag key=value', { tags: { include: ['env=prod'] } }, ['db-1', 'web-1']],
    ['an excluded tag', { tags: { include: ['env=prod'], exclude: ['pii'] } }, ['web-1']],
    ['explicit ids', { ids: ['web-2', 'theirs-1', 'old-gone'] }, ['web-2']],
    ['an age from our own first sighting', { age: { olderThan: '7d' } }, ['web-1']],
    ['a date comparison', { field: 'firstSeenAt', op: 'lt', value: '2026-11-01T00:00:00Z' }, ['web-1']],
    [
      'all',
      { all: [{ tags: { include: ['env=prod'] } }, { field: 'size', op: 'eq', value: 'sim.small' }] },
      ['web-1'],
    ],
    [
      'any',
      { any: [{ field: 'state', op: 'eq', value: 'stopped' }, { tags: { include: ['pii'] } }] },
      ['db-1', 'web-2'],
    ],
    ['not', { not: { tags: { include: ['env=prod'] } } }, ['web-2']],
  ])('selects by %s, never a missing machine or another org', async (_label, conditions, expected) => {
    expect(await names(conditions)).toEqual(expected);
  });

  it('counts matches per state beyond the returned items', async () => {
    const res = await preview({ not: { ids: ['nothing'] } }, 1);
    expect(res.body).toMatchObject({ count: 3, byState: { running: 2, stopped: 1 } });
    expect(res.body.items).toHaveLength(1);
  });

  it.each([
    ['an unknown field', { field: 'password', op: 'eq', value: 'x' }, /conditions\.field/],
    ['two kinds in one node', { field: 'name', op: 'eq', value: 'x', ids: ['a'] }, /exactly one of/],
    ['no kind at all', {}, /exactly one of/],
    [
      'a wrong value type',
      { field: 'cost', op: 'gt', value: 'cheap' },
      /conditions\.value: cost: expected a number/,
    ],
    ['a list operator without a list', { field: 'state', op: 'in', value: 'running' }, /in takes a list/],
    ['an unknown state', { field: 'state', op: 'eq', value: 'sleeping' }, /expected one of pending, running/],
    ['a regex on a number', { field: 'cost', op: 'regex', value: '1' }, /regex applies to text fields/],
    ['a catastrophic regex', { field: 'name', op: 'regex', value: '(a+)+$' }, /group may not be repeated/],
    ['an invalid regex', { field: 'name', op: 'regex', value: '(' }, /not a valid regular expression/],
    ['a bad duration', { age: { olderThan: '3 days' } }, /conditions\.age\.olderThan/],
    [
      'a nested error',
      { all: [{ field: 'name', op: 'eq', value: 'x' }, { any: [{ tags: { includes: ['x'] } }] }] },
      /conditions\.all\.1\.any\.0\.tags/,
    ],
    ['a MongoDB operator', { field: 'name', op: 'eq', value: { $gt: '' } }, /may not start with/],
  ])('answers 4xx naming the offending part for %s', async (_label, conditions, detail) => {
    const res = await preview(conditions);
    expect([400, 422]).toContain(res.status);
    expect(res.body.detail).toMatch(detail);
  });

  it('answers 422 for the grammar, but 400 for JSON that is not even well-formed', async () => {
    expect((await preview({ field: 'nope', op: 'eq', value: 1 })).status).toBe(422);
    const res = await api.request('POST', '/v1/conditions/preview', { token, rawBody: '{"conditions": {' });
    expect(res.status).toBe(400);
  });

  it('refuses nesting deeper than the bound with 422, and absurd nesting before parsing', async () => {
    let deep: unknown = { ids: ['x'] };
    for (let i = 0; i < 6; i++) deep = { not: deep };
    const res = await preview(deep);
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/nested deeper than 5 levels/);
    const absurd = `{"conditions":${'{"not":'.repeat(5000)}{"ids":["x"]}${'}'.repeat(5000)}}`;
    const huge = await api.request('POST', '/v1/conditions/preview', { token, rawBody: absurd });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toMatch(/nested deeper than 32 levels/);
  });

  it('compiles into a single filter scoped to the org and excluding missing machines', () => {
    const filter = compileConditions({ tags: { include: ['env=prod'] } }, 'org_X', now);
    expect(filter).toEqual({
      $and: [{ orgId: 'org_X', missingSince: null }, { tags: { $elemMatch: { k: 'env', v: 'prod' } } }],
    });
  });
});
