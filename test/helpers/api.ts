/**
 * Calls the real API handler in-process with API Gateway v2 events, against the test file's database.
 * Faster than HTTP, and the same code path: router, middlewares, validation, services, MongoDB.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Db } from 'mongodb';
import { createOrg } from '../../lib/auth/orgs.js';
import { createApiHandler } from '../../lib/http/api.js';
import type { MessageQueue } from '../../lib/messages/queue.js';

export interface ApiReply {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, for malformed-body tests. */
  rawBody?: string;
  headers?: Record<string, string>;
}

let requestCounter = 0;

export function makeEvent(
  method: string,
  pathAndQuery: string,
  opts: RequestOptions = {},
): APIGatewayProxyEventV2 {
  const url = new URL(pathAndQuery, 'http://127.0.0.1');
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const query = Object.fromEntries(url.searchParams);
  const requestId = `test-${++requestCounter}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: '127.0.0.1',
      domainPrefix: 'test',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

export function testApi(getDb: () => Db, now: () => Date = () => new Date(), queue?: MessageQueue) {
  const handler = createApiHandler({ deps: async () => ({ db: getDb(), now, ...(queue ? { queue } : {}) }) });
  // The deployed api function's budget (infra/constructs/api.ts: API Gateway's 29 s): a loaded test machine
  // takes seconds for a provider SDK's first load, and a 10 s budget turned that into 504s.
  const context = { getRemainingTimeInMillis: () => 29_000 } as Context;
  return {
    async request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiReply> {
      const res = await handler(makeEvent(method, path, opts), context);
      const text = typeof res.body === 'string' ? res.body : '';
      return {
        status: res.statusCode ?? 200,
        headers: (res.headers ?? {}) as Record<string, string>,
        body: text ? JSON.parse(text) : undefined,
      };
    },
  };
}

export async function createTestOrg(db: Db, name = `org-${Math.random().toString(36).slice(2, 10)}`) {
  const { org, token } = await createOrg({ db, now: () => new Date() }, { name });
  return { orgId: org._id, token };
}
