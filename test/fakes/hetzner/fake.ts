/**
 * A stateful Hetzner Cloud API (https://api.hetzner.cloud/v1) on 127.0.0.1, from hcloud-go's
 * hcloud/schema shapes and docs.hetzner.cloud: Bearer token auth, paging by page/per_page with
 * meta.pagination, errors as {error:{code,message,details}}, RateLimit-* headers, and actions that run
 * for a configurable number of reads of GET /actions/{id} before they succeed. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeRoutes } from './compute-routes.js';
import { dnsRoutes } from './dns-routes.js';
import { HetznerHttpError } from './http-error.js';
import { networkRoutes } from './network-routes.js';
import type { Route, RouteResult } from './route.js';
import { FakeState } from './state.js';

export { HetznerHttpError };

export const FAKE_TOKEN = 'hz'.repeat(32);

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

const RATE_LIMIT = 3600;

export class HetznerFake {
  readonly state = new FakeState();
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [...computeRoutes, ...networkRoutes, ...dnsRoutes];
  private faults: { left: number; status: number; code: string }[] = [];
  /** Seconds in Retry-After of a throttled answer. */
  retryAfterSeconds = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<HetznerFake> {
    let fake: HetznerFake | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new HetznerFake(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests (Infinity: all) answer `status` with Hetzner's `code`. */
  failNext(times: number, status: number, code: string): void {
    this.faults.push({ left: times, status, code });
  }

  /** Recorded requests of one method whose path matches. */
  sent(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const path = url.pathname.replace(/^\/v1/, '');
    this.requests.push({
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      body: text ? body : undefined,
    });
    const reset = Math.ceil(Date.now() / 1000) + 1;
    res.setHeader('RateLimit-Limit', String(RATE_LIMIT));
    res.setHeader('RateLimit-Reset', String(reset));
    const fault = this.faults.find((f) => f.left > 0);
    try {
      if (fault) {
        fault.left--;
        if (fault.status === 429) {
          res.setHeader('Retry-After', String(this.retryAfterSeconds));
          res.setHeader('RateLimit-Remaining', '0');
        }
        throw new HetznerHttpError(fault.status, fault.code, messageOf(fault.code));
      }
      res.setHeader('RateLimit-Remaining', String(RATE_LIMIT - 1));
      if (!url.pathname.startsWith('/v1/'))
        throw new HetznerHttpError(404, 'not_found', 'no such API version');
      if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`) {
        throw new HetznerHttpError(401, 'unauthorized', 'unable to authenticate');
      }
      const result = this.route(req.method ?? 'GET', path, url.searchParams, body);
      send(res, result.status, result.body);
    } catch (err) {
      if (!(err instanceof HetznerHttpError)) throw err;
      send(res, err.status, { error: { code: err.code, message: err.message, details: err.details } });
    }
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): RouteResult {
    for (const [m, pattern, handler] of this.routes) {
      const match = m === method ? pattern.exec(path) : null;
      if (match)
        return handler({ state: this.state, params: match.slice(1).map(decodeURIComponent), query, body });
    }
    throw new HetznerHttpError(404, 'not_found', `no route for ${method} ${path}`);
  }
}

function messageOf(code: string): string {
  if (code === 'rate_limit_exceeded') return 'limit of 3600 requests per hour reached';
  if (code === 'unauthorized') return 'unable to authenticate';
  return code;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status === 200 ? 204 : status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
