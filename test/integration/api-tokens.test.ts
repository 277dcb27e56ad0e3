import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('API tokens', () => {
  const t = useTestDatabase('tokens');
  const api = testApi(() => t.db);
  let owner: string;
  let orgId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
  });

  async function tokenCount() {
    return t.db.collection<AnyDoc>('tokens').countDocuments({ orgId });
  }

  it('answers 401 problem+json without a token, with a malformed header, and with an unknown token', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer nimbo_' + 'x'.repeat(43) },
    ];
    for (const headers of variants) {
      const res = await api.request('GET', '/v1/tokens', { headers });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.code).toBe('unauthorized');
    }
  });

  it('creates a token whose secret is shown once and works at once', async () => {
    const res = await api.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'ci', role: 'operator' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'ci', role: 'operator', revokedAt: null, lastUsedAt: null });
    expect(res.body.token).toMatch(/^nimbo_/);
    expect(res.body.token.startsWith(res.body.prefix)).toBe(true);

    const list = await api.request('GET', '/v1/tokens?limit=100', { token: owner });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((x: { id: string }) => x.id === res.body.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
    expect(listed).not.toHaveProperty('hash');
    expect(listed).not.toHaveProperty('token');

    const stored = await t.db.collection<AnyDoc>('tokens').findOne({ _id: res.body.id });
    expect(JSON.stringify(stored)).not.toContain(res.body.token);
  });

  it('answers 403 when a viewer tries to create a token, and writes nothing', async () => {
    const viewer = await api.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'v', role: 'viewer' },
    });
    const before = await tokenCount();
    const res = await api.request('POST', '/v1/tokens', {
      token: viewer.body.token,
      body: { name: 'x', role: 'viewer' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    expect(await tokenCount()).toBe(before);
  });

  it('does not let an admin mint an owner token', async () => {
    const admin = await api.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'a', role: 'admin' },
    });
    const res = await api.request('POST', '/v1/tokens', {
      token: admin.body.token,
      body: { name: 'o', role: 'owner' },
    });
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/admin token cannot create a owner token/);
  });

  it('revokes a token so that it stops working at once; revoking again keeps the first time', async () => {
    const created = await api.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'tmp', role: 'admin' },
    });
    expect((await api.request('GET', '/v1/tokens', { token: created.body.token })).status).toBe(200);
    const first = await api.request('DELETE', `/v1/tokens/${created.body.id}`, { token: owner });
    expect(first.status).toBe(200);
    expect(first.body.revokedAt).not.toBeNull();
    expect((await api.request('GET', '/v1/tokens', { token: created.body.token })).status).toBe(401);
    const again = await api.request('DELETE', `/v1/tokens/${created.body.id}`, { token: owner });
    expect(again.body.revokedAt).toBe(first.body.revokedAt);
  });

  it('refuses an expired token', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const timed = testApi(
      () => t.db,
      () => clock,
    );
    const created = await timed.request('POST', '/v1/tokens', {
      token: owner,
      body: { name: 'short', role: 'viewer', expiresAt: '2026-01-01T01:00:00Z' },
    });
    expect(created.status).toBe(201);
    expect((await timed.request('GET', '/v1/openapi.json', { token: created.body.token })).status).toBe(200);
    clock = new Date('2026-01-01T01:00:01Z');
    const res = await timed.request('POST', '/v1/tokens', {
      token: created.body.token,
      body: { name: 'x', role: 'viewer' },
    });
    expect(res.status).toBe(401);
  });

  it("answers 404 for another org's token, exactly as for a missing one", async () => {
    const other = await createTestOrg(t.db);
    const theirs = await api.request('POST', '/v1/tokens', {
      token: other.token,
      body: { name: 'theirs', role: 'viewer' },
    });
    const res = await api.request('DELETE', `/v1/tokens/${theirs.body.id}`, { token: owner });
    const missing = await api.request('DELETE', '/v1/tokens/tok_AAAAAAAAAAAAAAAA', { token: owner });
    expect(res.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(res.body.detail.replace(theirs.body.id, 'ID')).toBe(
      missing.body.detail.replace('tok_AAAAAAAAAAAAAAAA', 'ID'),
    );
    const stillWorks = await api.request('GET', '/v1/tokens', { token: theirs.body.token });
    expect(stillWorks.status).toBe(403); // a viewer: authenticated, not revoked
  });

  it('lists only the caller org tokens', async () => {
    const other = await createTestOrg(t.db);
    const res = await api.request('GET', '/v1/tokens?limit=500', { token: other.token });
    expect(res.body.items).toHaveLength(1);
  });

  describe('bad input gets a clear 4xx and writes nothing', () => {
    it.each([
      ['malformed JSON', { rawBody: '{"name": "x",' }, 400, /Malformed JSON/],
      ['an unknown field', { body: { name: 'x', role: 'viewer', admin: true } }, 400, /Unrecognized key/],
      ['a wrong type', { body: { name: 42, role: 'viewer' } }, 400, /name/],
      ['an unknown role', { body: { name: 'x', role: 'root' } }, 400, /role/],
      [
        'a MongoDB operator',
        { body: { name: { $ne: null }, role: 'viewer' } },
        400,
        /may not start with "\$"/,
      ],
      [
        'a non-JSON content type',
        { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } },
        400,
        /must be JSON/,
      ],
      [
        'an expiry in the past',
        { body: { name: 'x', role: 'viewer', expiresAt: '2000-01-01T00:00:00Z' } },
        422,
        /future/,
      ],
    ])('%s', async (_label, opts, status, detail) => {
      const before = await tokenCount();
      const res = await api.request('POST', '/v1/tokens', { token: owner, ...opts });
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.detail).toMatch(detail);
      expect(await tokenCount()).toBe(before);
    });

    it('an oversized body answers 413', async () => {
      const res = await api.request('POST', '/v1/tokens', {
        token: owner,
        body: { name: 'x'.repeat(300 * 1024), role: 'viewer' },
      });
      expect(res.status).toBe(413);
    });

    it('names each bad field in the errors member', async () => {
      const res = await api.request('POST', '/v1/tokens', { token: owner, body: { role: 'nope' } });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: 'body', path: 'name' }),
          expect.objectContaining({ in: 'body', path: 'role' }),
        ]),
      );
    });

    it('a bad limit or cursor in the query answers 400', async () => {
      expect((await api.request('GET', '/v1/tokens?limit=0', { token: owner })).status).toBe(400);
      expect((await api.request('GET', '/v1/tokens?limit=abc', { token: owner })).status).toBe(400);
      expect((await api.request('GET', '/v1/tokens?cursor=garbage', { token: owner })).status).toBe(400);
      expect((await api.request('GET', '/v1/tokens?sort=hash', { token: owner })).status).toBe(400);
    });
  });

  it('pages through every token exactly once with the opaque cursor', async () => {
    const org = await createTestOrg(t.db);
    for (let i = 0; i < 6; i++) {
      await api.request('POST', '/v1/tokens', { token: org.token, body: { name: `p${i}`, role: 'viewer' } });
    }
    for (const sort of ['name', '-name', 'createdAt', '-createdAt']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.request(
          'GET',
          `/v1/tokens?limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
          { token: org.token },
        );
        seen.push(...res.body.items.map((x) => x.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
    }
  });
});
