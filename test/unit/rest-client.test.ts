/**
 * The shared REST client of the DigitalOcean and Hetzner drivers, against a scripted HTTP server on
 * 127.0.0.1: what it retries and how long it waits, what it refuses, and what an operator reads when a
 * call fails. Backoff sleeps are recorded, never slept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProviderError } from '../../lib/core/errors.js';
import { DEFAULT_BACKOFF } from '../../lib/providers/backoff.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
} from '../../lib/providers/errors.js';
import { RestClient, type RestFailure, retryAfterMs } from '../../lib/providers/rest/client.js';

const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
let replies: Reply[];
let seen: Array<{ method: string; url: string; auth?: string; body: string }>;
let sleeps: number[];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

beforeEach(async () => {
  replies = [];
  seen = [];
  sleeps = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const reply = replies.shift();
      if (!reply) return json(res, 500, { id: 'no_reply', message: 'the test gave no reply' });
      reply(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
});

afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(
  extra: { classify?: (f: RestFailure) => typeof MachineStateError | undefined; timeoutMs?: number } = {},
) {
  return new RestClient(
    {
      service: 'Example Cloud',
      baseUrl: `${base}/v2`,
      headers: { authorization: `Bearer ${TOKEN}` },
      secrets: [TOKEN],
      describeError: (b) => {
        const e = b as { id?: string; message?: string } | undefined;
        return { ...(e?.id ? { code: e.id } : {}), ...(e?.message ? { message: e.message } : {}) };
      },
      now: () => new Date('2026-12-04T10:00:00Z'),
      ...extra,
    },
    { ...DEFAULT_BACKOFF, maxAttempts: 3, sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
  );
}

const Thing = z.object({ thing: z.object({ id: z.number(), name: z.string() }) });

describe('the shared REST client', () => {
  it('sends the token and a JSON body, and returns the answer its schema describes', async () => {
    replies.push((_q, res) => json(res, 201, { thing: { id: 7, name: 'web' }, extra: true }));
    const got = await client().post({
      path: '/things',
      query: { tag: 'prod', skip: undefined },
      body: { name: 'web' },
      schema: Thing,
      context: 'create thing web',
    });
    expect(got.thing).toEqual({ id: 7, name: 'web' });
    expect(seen).toEqual([
      { method: 'POST', url: '/v2/things?tag=prod', auth: `Bearer ${TOKEN}`, body: '{"name":"web"}' },
    ]);
  });

  it('waits at least what Retry-After asks when throttled, then gets through', async () => {
    replies.push((_q, res) =>
      json(res, 429, { id: 'too_many_requests', message: 'slow down' }, { 'retry-after': '3' }),
    );
    replies.push((_q, res) => json(res, 200, { thing: { id: 1, name: 'a' } }));
    await client().get({ path: '/things/1', schema: Thing, context: 'get thing 1' });
    expect(sleeps).toEqual([3000]);
  });

  it('reads the wait off RateLimit-Reset (epoch seconds) when there is no Retry-After', () => {
    const headers = new Headers({ 'ratelimit-reset': String(Date.parse('2026-12-04T10:00:05Z') / 1000) });
    expect(retryAfterMs(headers, new Date('2026-12-04T10:00:00Z'))).toBe(5000);
    expect(
      retryAfterMs(
        new Headers({ 'retry-after': 'Fri, 04 Dec 2026 10:00:02 GMT' }),
        new Date('2026-12-04T10:00:00Z'),
      ),
    ).toBe(2000);
    expect(retryAfterMs(new Headers(), new Date())).toBeUndefined();
  });

  it('gives up on throttling after its attempts, saying how many and how long the provider asked to wait', async () => {
    for (let i = 0; i < 3; i++)
      replies.push((_q, res) =>
        json(res, 429, { id: 'too_many_requests', message: 'slow down' }, { 'retry-after': '1' }),
      );
    const err = await client()
      .get({ path: '/things', schema: Thing, context: 'list things' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect(err.message).toBe(
      'list things: Example Cloud 429 too_many_requests: slow down (gave up after 3 attempts; it asks to wait 1 s)',
    );
    expect(seen).toHaveLength(3);
  });

  it('does not sit out a Retry-After longer than a call may wait: it fails at once', async () => {
    replies.push((_q, res) =>
      json(res, 429, { id: 'too_many_requests', message: 'hourly limit' }, { 'retry-after': '3600' }),
    );
    const err = await client()
      .get({ path: '/things', schema: Thing, context: 'list things' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderThrottledError);
    expect(err.message).toContain('it asks to wait 3600 s');
    expect(sleeps).toEqual([]);
  });

  it('retries a GET that met a gateway failure, but never a POST', async () => {
    replies.push((_q, res) => json(res, 503, { id: 'unavailable', message: 'try again' }));
    replies.push((_q, res) => json(res, 200, { thing: { id: 1, name: 'a' } }));
    await client().get({ path: '/things/1', schema: Thing, context: 'get thing 1' });
    replies.push((_q, res) => json(res, 503, { id: 'unavailable', message: 'try again' }));
    const err = await client()
      .post({ path: '/things', body: {}, schema: Thing, context: 'create' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'POST']);
  });

  it.each([
    [401, 'unauthorized', ProviderAuthError],
    [403, 'forbidden', ProviderAuthError],
    [404, 'not_found', ProviderNotFoundError],
    [422, 'unprocessable_entity', ProviderRejectedError],
  ])(
    'maps a %i to the shared error class, with the provider words and without the token',
    async (status, id, cls) => {
      replies.push((_q, res) => json(res, status, { id, message: `denied for Bearer ${TOKEN}` }));
      const err = await client()
        .get({ path: '/things/9', schema: Thing, context: 'get thing 9' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(cls);
      expect(err.message).toBe(`get thing 9: Example Cloud ${status} ${id}: denied for Bearer [redacted]`);
    },
  );

  it("lets the provider's codes say more than the status (a wrong power state)", async () => {
    replies.push((_q, res) => json(res, 422, { id: 'server_not_stopped', message: 'stop it first' }));
    const err = await client({
      classify: (f) => (f.code === 'server_not_stopped' ? MachineStateError : undefined),
    })
      .post({ path: '/things/1/actions', body: {}, schema: Thing, context: 'resize' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(MachineStateError);
  });

  it('refuses an answer its schema does not describe, naming the field', async () => {
    replies.push((_q, res) => json(res, 200, { thing: { id: 'seven', name: 'web' } }));
    const err = await client()
      .get({ path: '/things/7', schema: Thing, context: 'get thing 7' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(
      /^get thing 7: Example Cloud answered GET \/v2\/things\/7 with an unexpected body at thing\.id: /,
    );
  });

  it('follows paging links on its own origin and collects every item', async () => {
    const Page = z.object({ items: z.array(z.number()), next: z.string().nullable() });
    replies.push((_q, res) => json(res, 200, { items: [1, 2], next: `${base}/v2/things?page=2` }));
    replies.push((_q, res) => json(res, 200, { items: [3], next: null }));
    const all = await client().collect({ path: '/things', schema: Page, context: 'list things' }, (p) => ({
      items: p.items,
      next: p.next ? { path: p.next } : undefined,
    }));
    expect(all).toEqual([1, 2, 3]);
    expect(seen.map((s) => s.url)).toEqual(['/v2/things', '/v2/things?page=2']);
  });

  it('never sends the token to another origin, even when a paging link points there', async () => {
    const Page = z.object({ items: z.array(z.number()), next: z.string().nullable() });
    replies.push((_q, res) => json(res, 200, { items: [1], next: 'http://127.0.0.2:1/v2/things?page=2' }));
    const err = await client()
      .collect({ path: '/things', schema: Page, context: 'list things' }, (p) => ({
        items: p.items,
        next: p.next ? { path: p.next } : undefined,
      }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toContain('http://127.0.0.2:1, which is not its API');
    expect(seen).toHaveLength(1);
  });

  it('answers ProviderTimeoutError when the provider does not answer in time', async () => {
    replies.push(() => {});
    const err = await client({ timeoutMs: 50 })
      .get({ path: '/slow', schema: Thing, context: 'get slow' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderTimeoutError);
    expect(err.message).toBe('get slow: Example Cloud did not answer in time');
  });

  it('parses a 204 as no body', async () => {
    replies.push((_q, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(
      client().delete({ path: '/things/1', schema: z.undefined(), context: 'delete' }),
    ).resolves.toBeUndefined();
  });
});
