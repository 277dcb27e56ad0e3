/**
 * GET /v1/events: the org's recorded events, newest first, as webhooks and the bus get them; by type and
 * time, paged; never another org's; webhook events to admins only; a malformed query is a 400.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { type NewEvent, recordEvents } from '../../lib/events/record.js';
import { NimboEvent } from '../../lib/model/events/event.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { useTestDatabase } from '../helpers/mongo.js';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 4, 10, minute));

describe('GET /v1/events', () => {
  const t = useTestDatabase('api-events');
  const api = testApi(() => t.db);
  let owner: string;
  let viewer: string;
  let orgId: string;
  let other: string;
  let otherOrg: string;

  const failed = (org: string, minute: number): NewEvent<'job.failed'> => ({
    orgId: org,
    type: 'job.failed',
    at: at(minute),
    data: {
      jobId: `job_${String(minute).padStart(16, '0')}`,
      jobType: 'machine.action',
      resource: { type: 'machine', id: 'mch_0123456789abcdef' },
      attempts: 3,
      error: { code: 'provider_error', message: 'the cloud said no' },
    },
  });
  const cloudDisabled = (org: string, minute: number): NewEvent<'cloud.disabled'> => ({
    orgId: org,
    type: 'cloud.disabled',
    at: at(minute),
    data: {
      cloudId: 'cld_0123456789abcdef',
      name: 'prod',
      provider: 'aws',
      reason: 'disabled by an operator',
    },
  });
  const webhookDisabled = (org: string, minute: number): NewEvent<'webhook.disabled'> => ({
    orgId: org,
    type: 'webhook.disabled',
    at: at(minute),
    data: {
      webhookId: 'whk_0123456789abcdef',
      url: 'https://hooks.example.com/T000/B000/XXXX',
      reason: 'every delivery failed',
      failingSince: at(0).toISOString(),
    },
  });

  const list = async (query: string, token = owner) => {
    const res = await api.request('GET', `/v1/events${query}`, { token });
    return res;
  };
  const ids = (res: { body: { items: Array<{ data: Record<string, unknown>; type: string }> } }) =>
    res.body.items.map((e) => `${e.type}@${String(e.data.jobId ?? e.data.cloudId ?? e.data.webhookId)}`);

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    ({ token: other, orgId: otherOrg } = await createTestOrg(t.db));
    const res = await api.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'reader', role: 'viewer' },
    });
    expect(res.status).toBe(201);
    viewer = res.body.token;
    const deps = { db: t.db, now: () => at(59) };
    await recordEvents(deps, [
      failed(orgId, 1),
      cloudDisabled(orgId, 2),
      failed(orgId, 3),
      webhookDisabled(orgId, 4),
      failed(orgId, 5),
      failed(otherOrg, 6),
    ]);
  });

  it("lists the org's events newest first, each as it goes out, and never another org's", async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([
      'job.failed@job_0000000000000005',
      'webhook.disabled@whk_0123456789abcdef',
      'job.failed@job_0000000000000003',
      'cloud.disabled@cld_0123456789abcdef',
      'job.failed@job_0000000000000001',
    ]);
    for (const item of res.body.items) expect(NimboEvent.parse(item)).toEqual(item);
    expect(res.body.items[0]).toMatchObject({ version: 1, orgId, timestamp: at(5).toISOString() });
    expect(res.body.nextCursor).toBeNull();

    const theirs = await list('', other);
    expect(ids(theirs)).toEqual(['job.failed@job_0000000000000006']);
  });

  it('filters by type and by time, and pages with the cursor', async () => {
    expect(ids(await list('?type=job.failed&since=2026-12-04T10:02:00Z'))).toEqual([
      'job.failed@job_0000000000000005',
      'job.failed@job_0000000000000003',
    ]);
    expect(ids(await list('?type=cloud.disabled'))).toEqual(['cloud.disabled@cld_0123456789abcdef']);

    const first = await list('?limit=2');
    expect(ids(first)).toHaveLength(2);
    const second = await list(`?limit=2&cursor=${first.body.nextCursor}`);
    const third = await list(`?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.nextCursor).toBeNull();
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(ids(await list('')));
  });

  it('lists webhook events (they name the URLs) to admins only', async () => {
    const res = await list('', viewer);
    expect(res.status).toBe(200);
    expect(ids(res)).not.toContain('webhook.disabled@whk_0123456789abcdef');
    expect(ids(res)).toHaveLength(4);
    const asked = await list('?type=webhook.disabled', viewer);
    expect(asked.status).toBe(403);
    expect(asked.body.code).toBe('forbidden');
  });

  it('answers 400 for an unknown type, a since that is no time, a bad limit, a forged cursor or an unknown parameter', async () => {
    for (const query of [
      '?type=machine.exploded',
      '?since=yesterday',
      '?limit=0',
      '?limit=501',
      '?cursor=not-a-cursor',
      '?sort=timestamp',
      '?orgId=' + otherOrg,
    ]) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
  });

  it('needs a token', async () => {
    expect((await api.request('GET', '/v1/events')).status).toBe(401);
  });
});
