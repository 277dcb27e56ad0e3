/**
 * Rules through the API: made, listed, changed and deleted by admins and audited; input checked at the
 * edge (400) and against the org (422 naming the webhook); another org's rule reads as missing (404); a
 * refused request writes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { MAX_RULES_PER_ORG } from '../../lib/model/events/rule.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { useTestDatabase } from '../helpers/mongo.js';

const RECEIVER = 'http://127.0.0.1:9/hooks';

describe('rules', () => {
  const t = useTestDatabase('rules');
  const api = testApi(() => t.db);
  let owner: string;
  let other: string;
  let viewer: string;
  let hookA: string;
  let hookB: string;
  let otherHook: string;

  const webhook = async (token: string) =>
    (await api.request('POST', '/v1/webhooks', { token, body: { url: RECEIVER, events: ['job.failed'] } }))
      .body.webhook.id as string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    ({ token: other } = await createTestOrg(t.db));
    viewer = (await api.request('POST', '/v1/tokens', { token: owner, body: { name: 'v', role: 'viewer' } }))
      .body.token;
    hookA = await webhook(owner);
    hookB = await webhook(owner);
    otherHook = await webhook(other);
  });

  let n = 0;
  const create = (body: Record<string, unknown>, token = owner) =>
    api.request('POST', '/v1/rules', {
      token,
      body: { name: `rule-${++n}`, event: 'machine.unreachable', webhookIds: [hookA], ...body },
    });
  /** What a refused request must leave as it was. */
  const written = async () => ({
    rules: await t.db.collection('rules').countDocuments(),
    audit: await t.db.collection('audit').countDocuments({ action: /^rule\./ }),
  });

  it('makes a rule, answers 201 with its location, and shows it by id and in the list', async () => {
    const res = await create({
      name: 'pager: unreachable web',
      conditions: { tags: { include: ['role=web'] } },
      forMinutes: 5,
      webhookIds: [hookA, hookB],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^rul_[A-Za-z0-9_-]{16}$/),
      name: 'pager: unreachable web',
      event: 'machine.unreachable',
      to: null,
      conditions: { tags: { include: ['role=web'] } },
      forMinutes: 5,
      webhookIds: [hookA, hookB],
      enabled: true,
      lastFiredAt: null,
    });
    expect(res.headers.location).toBe(`/v1/rules/${res.body.id}`);
    const got = await api.request('GET', `/v1/rules/${res.body.id}`, { token: viewer });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const list = await api.request('GET', '/v1/rules?q=pager', { token: viewer });
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    const audit = await api.request('GET', `/v1/audit?resourceId=${res.body.id}`, { token: owner });
    expect(audit.body.items).toMatchObject([{ action: 'rule.create', result: 'success' }]);
  });

  it('takes a state change narrowed to one new state, and all machines when conditions are absent', async () => {
    const res = await create({ event: 'machine.state_changed', to: 'stopped' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ event: 'machine.state_changed', to: 'stopped', conditions: null });
  });

  it('pages the list and filters it by event', async () => {
    await create({ event: 'machine.missing' });
    await create({ event: 'machine.missing' });
    const first = await api.request('GET', '/v1/rules?event=machine.missing&limit=1', { token: owner });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.request(
      'GET',
      `/v1/rules?event=machine.missing&limit=1&cursor=${first.body.nextCursor}`,
      { token: owner },
    );
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.items[0].event).toBe('machine.missing');
  });

  it('answers 400 naming the field for a bad event, forMinutes out of 1..1440, or a misplaced to, and writes nothing', async () => {
    const before = await written();
    for (const [body, path] of [
      [{ event: 'machine.exploded' }, 'event'],
      [{ event: 'job.failed' }, 'event'],
      [{ forMinutes: 0 }, 'forMinutes'],
      [{ forMinutes: 1441 }, 'forMinutes'],
      [{ forMinutes: 2.5 }, 'forMinutes'],
      [{ to: 'stopped' }, 'to'],
      [{ webhookIds: [] }, 'webhookIds'],
      [{ webhookIds: [hookA, hookA] }, 'webhookIds'],
      [{ webhookIds: ['not-a-webhook'] }, 'webhookIds.0'],
      [{ conditions: { tags: {}, ids: ['x'] } }, 'conditions'],
      [{ surprise: true }, ''],
    ] as const) {
      const res = await create(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const noWebhooks = await api.request('POST', '/v1/rules', {
      token: owner,
      body: { name: 'x', event: 'machine.created' },
    });
    expect(noWebhooks.status).toBe(400);
    expect(await written()).toEqual(before);
  });

  it("answers 422 naming each webhook that is not the org's, and writes nothing", async () => {
    const before = await written();
    const unknown = 'whk_AAAAAAAAAAAAAAAA';
    const res = await create({ webhookIds: [hookA, unknown, otherHook] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { in: 'body', path: 'webhookIds.1', message: `Webhook ${unknown} not found in this org` },
      { in: 'body', path: 'webhookIds.2', message: `Webhook ${otherHook} not found in this org` },
    ]);
    expect(await written()).toEqual(before);
  });

  it('answers 409 for a name the org already uses, and writes nothing', async () => {
    await create({ name: 'twice' });
    const before = await written();
    const res = await create({ name: 'twice' });
    expect(res.status).toBe(409);
    expect(await written()).toEqual(before);
  });

  it("answers 404 for another org's rule, and lets a viewer read but not write", async () => {
    const { body: rule } = await create({});
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { enabled: false }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api.request(method, `/v1/rules/${rule.id}`, { token: other, body });
      expect({ method, status: res.status }).toEqual({ method, status: 404 });
    }
    expect((await api.request('GET', '/v1/rules', { token: other })).body.items).toEqual([]);
    expect((await create({}, viewer)).status).toBe(403);
    expect(
      (await api.request('PATCH', `/v1/rules/${rule.id}`, { token: viewer, body: { enabled: false } }))
        .status,
    ).toBe(403);
    expect((await api.request('DELETE', `/v1/rules/${rule.id}`, { token: viewer })).status).toBe(403);
    expect((await api.request('GET', `/v1/rules/${rule.id}`, { token: owner })).body.enabled).toBe(true);
  });

  it('changes a rule, null clearing what is optional, and audits the change', async () => {
    const { body: rule } = await create({
      event: 'machine.state_changed',
      to: 'stopped',
      forMinutes: 10,
      conditions: { field: 'provider', op: 'eq', value: 'sim' },
    });
    const res = await api.request('PATCH', `/v1/rules/${rule.id}`, {
      token: owner,
      body: { to: null, forMinutes: null, conditions: null, webhookIds: [hookB], enabled: false },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      to: null,
      forMinutes: null,
      conditions: null,
      webhookIds: [hookB],
      enabled: false,
    });
    const audit = await api.request('GET', `/v1/audit?resourceId=${rule.id}&action=rule.update`, {
      token: owner,
    });
    expect(audit.body.items[0].details).toMatchObject({ enabled: false, webhookIds: [hookB] });
  });

  it('refuses a change that leaves the rule incoherent or names an unknown webhook, changing nothing', async () => {
    const { body: rule } = await create({ event: 'machine.state_changed', to: 'stopped' });
    const incoherent = await api.request('PATCH', `/v1/rules/${rule.id}`, {
      token: owner,
      body: { event: 'machine.unreachable' },
    });
    expect(incoherent.status).toBe(422);
    expect(incoherent.body.errors[0]).toMatchObject({ path: 'to' });
    const unknown = await api.request('PATCH', `/v1/rules/${rule.id}`, {
      token: owner,
      body: { webhookIds: [otherHook] },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ path: 'webhookIds.0' });
    for (const body of [{}, { forMinutes: 0 }, { event: 'machine.missing', to: 'running' }]) {
      expect((await api.request('PATCH', `/v1/rules/${rule.id}`, { token: owner, body })).status).toBe(400);
    }
    const taken = await api.request('PATCH', `/v1/rules/${rule.id}`, {
      token: owner,
      body: { name: 'twice' },
    });
    expect(taken.status).toBe(409);
    const after = await api.request('GET', `/v1/rules/${rule.id}`, { token: owner });
    expect(after.body).toEqual(rule);
  });

  it('deletes a rule: gone from reads, and audited', async () => {
    const { body: rule } = await create({});
    expect((await api.request('DELETE', `/v1/rules/${rule.id}`, { token: owner })).status).toBe(204);
    expect((await api.request('GET', `/v1/rules/${rule.id}`, { token: owner })).status).toBe(404);
    expect((await api.request('DELETE', `/v1/rules/${rule.id}`, { token: owner })).status).toBe(404);
    const audit = await api.request('GET', `/v1/audit?resourceId=${rule.id}&action=rule.delete`, {
      token: owner,
    });
    expect(audit.body.items).toHaveLength(1);
  });

  it('takes a deleted webhook out of the rules that named it', async () => {
    const doomed = await webhook(owner);
    const { body: rule } = await create({ webhookIds: [hookA, doomed] });
    expect((await api.request('DELETE', `/v1/webhooks/${doomed}`, { token: owner })).status).toBe(204);
    const after = await api.request('GET', `/v1/rules/${rule.id}`, { token: owner });
    expect(after.body.webhookIds).toEqual([hookA]);
  });

  it('refuses rule.triggered as a webhook subscription: it goes to the webhooks a rule names', async () => {
    const res = await api.request('POST', '/v1/webhooks', {
      token: owner,
      body: { url: RECEIVER, events: ['rule.triggered'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toMatch(/^events/);
  });

  it(`keeps an org to ${MAX_RULES_PER_ORG} rules (409), and counts only its own`, async () => {
    const { token, orgId } = await createTestOrg(t.db);
    const hook = await webhook(token);
    const body = (i: number) => ({ name: `r${i}`, event: 'machine.created', webhookIds: [hook] });
    for (let i = 0; i < MAX_RULES_PER_ORG - 1; i++) {
      expect((await api.request('POST', '/v1/rules', { token, body: body(i) })).status).toBe(201);
    }
    const last = await api.request('POST', '/v1/rules', { token, body: body(1000) });
    expect(last.status).toBe(201);
    const over = await api.request('POST', '/v1/rules', { token, body: body(1001) });
    expect(over.status).toBe(409);
    expect(over.body.detail).toContain(`${MAX_RULES_PER_ORG} rules`);
    expect(await t.db.collection('rules').countDocuments({ orgId })).toBe(MAX_RULES_PER_ORG);
    expect((await create({})).status).toBe(201);
  });
});
