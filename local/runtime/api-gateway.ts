/**
 * Emulates API Gateway (HTTP API, payload format 2.0) in front of a Lambda handler: each HTTP request on
 * 127.0.0.1 becomes an APIGatewayProxyEventV2, and the handler's result becomes the HTTP response.
 * The same handler object that Lambda runs is called, so local mode exercises the deployed code path.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { decodeUtf8 } from '../../lib/core/utf8.js';

/** API Gateway's own payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

const TEXT_TYPES = /^(application\/(json|problem\+json|x-www-form-urlencoded|xml|yaml)|text\/)/i;

/**
 * The body as API Gateway passes it: text as a string, anything else base64-encoded. Text whose bytes are
 * not UTF-8 goes base64-encoded too, so that the handler sees the very bytes sent (a lossy decode would
 * hand it U+FFFD in their place, and it could not tell).
 */
function eventBody(
  body: Buffer,
  contentType: string,
): Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'> {
  if (body.length === 0) return { isBase64Encoded: false };
  const text = TEXT_TYPES.test(contentType) ? decodeUtf8(body) : undefined;
  return text === undefined
    ? { body: body.toString('base64'), isBase64Encoded: true }
    : { body: text, isBase64Encoded: false };
}

export function toApiGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  now = new Date(),
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams)
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...eventBody(body, headers['content-type'] ?? ''),
  };
}

export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  // A handler may return a bare object or string: API Gateway then answers 200 with it as JSON.
  if (typeof result === 'string' || !('statusCode' in (result as object))) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof result === 'string' ? result : JSON.stringify(result));
    return;
  }
  const r = result as Exclude<APIGatewayProxyResultV2, string>;
  const headers: Record<string, string | string[]> = { ...(r.headers as Record<string, string>) };
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  res.writeHead(r.statusCode ?? 200, headers);
  res.end(r.body === undefined ? undefined : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body);
}

function sendGatewayError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
}

/** Local-only endpoints under /_local/ (never deployed): answer, or undefined for "no such endpoint". */
export type LocalEndpoints = (
  method: string,
  path: string,
  body: Buffer,
) => Promise<{ status: number; body: unknown } | undefined>;

async function serveLocal(local: LocalEndpoints, req: IncomingMessage, body: Buffer, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const answer = (await local((req.method ?? 'GET').toUpperCase(), url.pathname, body)) ?? {
    status: 404,
    body: { message: `No local endpoint ${req.method} ${url.pathname}` },
  };
  res.writeHead(answer.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer.body));
}

/** Serves `handler` on host:port (port 0 = a free one). Resolves once listening. */
export async function startApiGateway(opts: {
  handler: ApiHandler;
  /** Endpoints of the local runtime itself (sending to its queues), under /_local/. */
  local?: LocalEndpoints;
  /** Static files served before the API (the dashboard): answers and returns true, or returns false. */
  staticFiles?: (req: IncomingMessage, res: ServerResponse) => boolean;
  host?: string;
  port?: number;
  functionName?: string;
  onError?: (err: unknown) => void;
}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      // API Gateway's own answer to an oversized payload, before any Lambda runs.
      if (tooLarge) return sendGatewayError(res, 413, 'Request Entity Too Large');
      if (opts.staticFiles && !req.url?.startsWith('/v1/') && opts.staticFiles(req, res)) return;
      if (opts.local && req.url?.startsWith('/_local/')) {
        serveLocal(opts.local, req, Buffer.concat(chunks), res).catch((err: unknown) => {
          opts.onError?.(err);
          sendGatewayError(res, 500, 'Internal Server Error');
        });
        return;
      }
      const event = toApiGatewayEvent(req, Buffer.concat(chunks));
      opts
        .handler(event, lambdaContext(opts.functionName ?? 'api'))
        .then((result) => writeResult(res, result))
        .catch((err: unknown) => {
          // What API Gateway does when the function itself fails.
          opts.onError?.(err);
          sendGatewayError(res, 500, 'Internal Server Error');
        });
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
