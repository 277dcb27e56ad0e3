/**
 * A JSON body must be Unicode text: bytes that are not UTF-8 and lone surrogates (escaped "\ud800" or raw)
 * are refused with 400 problem+json on every route that takes a body, rather than stored as U+FFFD. Through
 * the handler with API Gateway's two shapes of body (a string, or base64 with isBase64Encoded), and through
 * the local runtime's HTTP server with the raw bytes on a socket.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { apiRoutes, createApiHandler } from '../../lib/http/api.js';
import { startApiGateway } from '../../local/runtime/api-gateway.js';
import { createTestOrg, makeEvent } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

/** `{"name":"\xc3(\xff"}`: a truncated two-byte sequence and a byte that is never UTF-8. */
const INVALID_UTF8 = Buffer.concat([
  Buffer.from('{"name":"'),
  Buffer.from([0xc3, 0x28, 0xff]),
  Buffer.from('"}'),
]);
/** `{"name":"<U+D800 encoded as UTF-8>"}`: a surrogate is not a character, so its encoding is invalid UTF-8. */
const ENCODED_SURROGATE = Buffer.concat([
  Buffer.from('{"name":"'),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from('"}'),
]);
const ESCAPED_SURROGATE = '{"name":"a\\ud800"}';
const RAW_SURROGATE = '{"name":"a\ud800"}';

/** Well-formed ids for every path parameter: the body is read before any of them is looked up. */
const FAKE: Record<string, string> = {
  clouds: 'cld_AAAAAAAAAAAAAAAA',
  machines: 'mch_AAAAAAAAAAAAAAAA',
  zones: 'zon_AAAAAAAAAAAAAAAA',
  networks: 'net_AAAAAAAAAAAAAAAA',
  scripts: 'scr_AAAAAAAAAAAAAAAA',
  schedules: 'sch_AAAAAAAAAAAAAAAA',
  keys: 'key_AAAAAAAAAAAAAAAA',
  tokens: 'tok_AAAAAAAAAAAAAAAA',
  webhooks: 'whk_AAAAAAAAAAAAAAAA',
  rules: 'rul_AAAAAAAAAAAAAAAA',
  calendars: 'cal_AAAAAAAAAAAAAAAA',
  overrideId: 'ovr_AAAAAAAAAAAAAAAA',
  recordId: 'rec_AAAAAAAAAAAAAAAA',
  snapshotId: 'simsnap-0123456789ab',
  action: 'stop',
};
const fill = (path: string) =>
  path
    .replace(/\/(\w+)\/\{id\}/, (_, segment: string) => `/${segment}/${FAKE[segment]}`)
    .replace(/\{(\w+)\}/g, (_, name: string) => FAKE[name]!);

const bodyRoutes = apiRoutes.filter((r) => r.body !== undefined);

describe('JSON bodies that are not Unicode text', () => {
  const t = useTestDatabase('encoding');
  const jobs = testJobs(() => t.db);
  const deps = async () => ({ db: t.db, now: () => new Date(), queue: jobs.queue });
  const handler = createApiHandler({ deps });
  let gateway: Awaited<ReturnType<typeof startApiGateway>>;
  let owner: string;
  let cloudId: string;

  /** One request through the handler, the body as API Gateway gives it. */
  async function call(method: string, path: string, body: { text: string } | { bytes: Buffer }) {
    const event = makeEvent(method, path, {
      token: owner,
      rawBody: 'text' in body ? body.text : body.bytes.toString('base64'),
    });
    if ('bytes' in body) event.isBase64Encoded = true;
    const res = await handler(event, {} as never);
    return {
      status: res.statusCode,
      type: res.headers?.['content-type'],
      body: JSON.parse(res.body ?? '{}'),
    };
  }

  /** One request over HTTP to the local runtime's API Gateway on loopback, the body as these bytes. */
  function send(method: string, path: string, bytes: Buffer) {
    const url = new URL(path, gateway.url);
    return new Promise<{ status: number; type: string | undefined; body: any }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: url.port,
          method,
          path: url.pathname,
          headers: {
            authorization: `Bearer ${owner}`,
            'content-type': 'application/json',
            'content-length': bytes.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              type: res.headers['content-type'],
              body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(bytes);
    });
  }

  const cloudName = async () => (await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId }))?.name;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    const cloud = await call('POST', '/v1/clouds', {
      text: JSON.stringify({ provider: 'sim', name: 'lab', settings: { machines: 2 } }),
    });
    cloudId = cloud.body.cloud.id;
    await jobs.drain();
    gateway = await startApiGateway({ handler, host: '127.0.0.1', port: 0 });
  });
  afterAll(() => gateway?.close());

  it('answers 400 for invalid UTF-8 on every route with a body', async () => {
    expect(bodyRoutes.length).toBeGreaterThan(20);
    for (const route of bodyRoutes) {
      const path = fill(route.path);
      for (const bytes of [INVALID_UTF8, ENCODED_SURROGATE]) {
        const res = await call(route.method, path, { bytes });
        expect({ route: `${route.method} ${path}`, status: res.status, detail: res.body.detail }).toEqual({
          route: `${route.method} ${path}`,
          status: 400,
          detail: 'The request body is not valid UTF-8',
        });
        expect(res.type).toBe('application/problem+json');
      }
    }
  });

  it('answers 400 for a lone surrogate, escaped or raw, on every route with a body', async () => {
    for (const route of bodyRoutes) {
      const path = fill(route.path);
      const escaped = await call(route.method, path, { text: ESCAPED_SURROGATE });
      expect({ route: `${route.method} ${path}`, status: escaped.status }).toEqual({
        route: `${route.method} ${path}`,
        status: 400,
      });
      expect(escaped.body.errors).toEqual([
        { in: 'body', path: 'name', message: 'must be Unicode text (it holds a lone surrogate)' },
      ]);
      const raw = await call(route.method, path, { text: RAW_SURROGATE });
      expect([raw.status, raw.body.detail]).toEqual([400, 'The request body is not valid UTF-8']);
    }
  });

  it('finds a lone surrogate in a key or deep in a value, and writes nothing', async () => {
    const before = await t.db.collection('keys').countDocuments({});
    for (const text of ['{"name":"k","comment":"x\\udc00y"}', '{"name":"k","\\ud83d":1}']) {
      const res = await call('POST', '/v1/keys', { text });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toMatch(/lone surrogate/);
    }
    const deep = await call('POST', '/v1/conditions/preview', {
      text: '{"conditions":{"any":[{"field":"name","op":"eq","value":"\\ud800"}]}}',
    });
    expect([deep.status, deep.body.errors[0].path]).toEqual([400, 'conditions.any.0.value']);
    expect(await t.db.collection('keys').countDocuments({})).toBe(before);
  });

  it('still takes UTF-8 text, as a string or base64-encoded, surrogate pairs included', async () => {
    const name = 'café ☁ 🚀';
    const asText = await call('PATCH', `/v1/clouds/${cloudId}`, { text: JSON.stringify({ name }) });
    expect([asText.status, asText.body.name]).toEqual([200, name]);
    const escaped = await call('PATCH', `/v1/clouds/${cloudId}`, {
      text: '{"name":"rocket \\ud83d\\ude80"}',
    });
    expect([escaped.status, escaped.body.name]).toEqual([200, 'rocket 🚀']);
    const asBytes = await call('PATCH', `/v1/clouds/${cloudId}`, {
      bytes: Buffer.from(JSON.stringify({ name: `${name}!` })),
    });
    expect([asBytes.status, asBytes.body.name]).toEqual([200, `${name}!`]);
  });

  describe('over HTTP, through the local runtime', () => {
    it('answers 400 problem+json for invalid UTF-8 bytes and stores nothing', async () => {
      const before = await cloudName();
      for (const bytes of [INVALID_UTF8, ENCODED_SURROGATE]) {
        const res = await send('PATCH', `/v1/clouds/${cloudId}`, bytes);
        expect([res.status, res.type, res.body.detail]).toEqual([
          400,
          'application/problem+json',
          'The request body is not valid UTF-8',
        ]);
      }
      const snapshot = await send('POST', `/v1/machines/${FAKE.machines}/snapshots`, INVALID_UTF8);
      expect(snapshot.status).toBe(400);
      expect(await cloudName()).toBe(before);
    });

    it('answers 400 for an escaped lone surrogate, and takes well-formed UTF-8 byte for byte', async () => {
      const before = await cloudName();
      const lone = await send('PATCH', `/v1/clouds/${cloudId}`, Buffer.from(ESCAPED_SURROGATE));
      expect([lone.status, lone.body.errors?.[0]?.path]).toEqual([400, 'name']);
      expect(await cloudName()).toBe(before);
      const ok = await send('PATCH', `/v1/clouds/${cloudId}`, Buffer.from('{"name":"nuage ☁ 🚀"}'));
      expect([ok.status, ok.body.name]).toEqual([200, 'nuage ☁ 🚀']);
      expect(await cloudName()).toBe('nuage ☁ 🚀');
    });
  });
});
