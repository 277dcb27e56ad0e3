/**
 * An in-memory DigitalOcean API v2 on 127.0.0.1, speaking the shapes of DigitalOcean's OpenAPI
 * description (digitalocean/openapi): bearer tokens, listings paged with links.pages (first, prev, next,
 * last as absolute URLs) and meta.total, error bodies {id, message, request_id}, the ratelimit-* headers
 * on every answer and Retry-After on a 429. Droplet actions answer in-progress and complete after
 * `actionPolls` reads of GET /actions/{id}; their effect lands only then. Every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accountRoutes, type FakeSshKey } from './account-routes.js';
import {
  type FakeImage,
  type FakeRegion,
  type FakeSize,
  fakeDistributionImages,
  fakeRegions,
  fakeSizes,
} from './catalog.js';
import { dnsRoutes, type FakeDomain } from './dns-routes.js';
import { dropletRoutes, type FakeAction, type FakeDroplet } from './droplet-routes.js';
import { type FakeVpc, vpcRoutes } from './vpc-routes.js';

export const TOKEN = `dop_v1_${'0123456789abcdef'.repeat(4)}`;

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent: /v2/droplets?per_page=200. */
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface Ctx {
  method: string;
  url: URL;
  /** The path below /v2, split: ['droplets', '123', 'actions']. */
  parts: string[];
  body: Record<string, unknown>;
  res: ServerResponse;
}

export type Route = (fake: DigitalOceanFake, ctx: Ctx) => boolean;

interface Fault {
  left: number;
  status: number;
  id: string;
  message: string;
  retryAfter: number;
  match?: RegExp;
}

const DEFAULT_ERRORS: Record<number, [string, string]> = {
  401: ['unauthorized', 'Unable to authenticate you'],
  403: ['forbidden', 'You do not have permission to perform this action.'],
  404: ['not_found', 'The resource you requested could not be found.'],
  422: ['unprocessable_entity', 'request payload validation failed'],
  429: ['too_many_requests', 'API rate limit exceeded.'],
  500: ['server_error', 'Server was unable to give you a response.'],
};

export class DigitalOceanFake {
  readonly regions: FakeRegion[] = fakeRegions();
  readonly sizes: FakeSize[] = fakeSizes();
  readonly images: FakeImage[] = fakeDistributionImages();
  readonly droplets = new Map<number, FakeDroplet>();
  readonly actions = new Map<number, FakeAction>();
  readonly sshKeys: FakeSshKey[] = [];
  readonly domains = new Map<string, FakeDomain>();
  readonly vpcs = new Map<string, FakeVpc>();
  readonly requests: RecordedRequest[] = [];
  /** The most a page holds, whatever per_page asks (per_page is honoured below it). */
  pageSize = 2;
  /** Reads of GET /actions/{id} an action stays in-progress (0: it completes at once). */
  actionPolls = 1;
  /** Action types that end errored instead of taking effect (a shutdown the guest ignores). */
  readonly erroredActions = new Set<string>();
  /** A guest that ignores the ACPI shutdown: the shutdown action completes and the droplet stays on. */
  ignoreShutdown = false;
  account = { status: 'active', status_message: '' };
  /** Replaces links.pages.next with this origin (a foreign host, for the same-origin refusal). */
  foreignNextOrigin: string | undefined;
  url = '';
  private seq = 0;
  private faults: Fault[] = [];
  private server: Server | undefined;

  static async start(): Promise<DigitalOceanFake> {
    const fake = new DigitalOceanFake();
    for (const r of fake.regions.filter((r) => r.available))
      fake.addVpc(`default-${r.slug}`, r.slug, fake.defaultRange(r.slug), true);
    fake.server = createServer((req, res) => {
      void fake.handle(req, res).catch((err) => fake.error(res, 500, 'server_error', String(err)));
    });
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  nextId(): number {
    return ++this.seq;
  }

  /** The next `count` calls (matching `match`, on "METHOD /v2/path") answer this error. */
  failNext(
    count: number,
    status: number,
    id?: string,
    options: { message?: string; retryAfter?: number; match?: RegExp } = {},
  ): void {
    const [defaultId, defaultMessage] = DEFAULT_ERRORS[status] ?? ['error', 'error'];
    this.faults.push({
      left: count,
      status,
      id: id ?? defaultId,
      message: options.message ?? defaultMessage,
      retryAfter: options.retryAfter ?? 0,
      ...(options.match ? { match: options.match } : {}),
    });
  }

  addVpc(name: string, region: string, ipRange: string, isDefault = false): FakeVpc {
    const id = randomUUID();
    const vpc: FakeVpc = {
      id,
      urn: `do:vpc:${id}`,
      name,
      description: '',
      region,
      ip_range: ipRange,
      created_at: new Date().toISOString(),
      default: isDefault,
    };
    this.vpcs.set(id, vpc);
    return vpc;
  }

  defaultVpc(region: string): FakeVpc | undefined {
    return [...this.vpcs.values()].find((v) => v.region === region && v.default);
  }

  private defaultRange(region: string): string {
    const n = this.regions.findIndex((r) => r.slug === region);
    return `10.${110 + n}.0.0/20`;
  }

  json(res: ServerResponse, status: number, body: unknown): true {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...this.rateHeaders(0) });
    res.end(body === undefined ? '' : JSON.stringify(body));
    return true;
  }

  noContent(res: ServerResponse): true {
    res.writeHead(204, this.rateHeaders(0));
    res.end();
    return true;
  }

  error(res: ServerResponse, status: number, id?: string, message?: string, retryAfter?: number): true {
    const [defaultId, defaultMessage] = DEFAULT_ERRORS[status] ?? ['error', 'error'];
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      ...this.rateHeaders(retryAfter ?? 0),
    };
    if (status === 429) {
      headers['retry-after'] = String(retryAfter ?? 0);
      headers['ratelimit-remaining'] = '0';
    }
    res.writeHead(status, headers);
    res.end(
      JSON.stringify({ id: id ?? defaultId, message: message ?? defaultMessage, request_id: randomUUID() }),
    );
    return true;
  }

  private rateHeaders(resetIn: number): Record<string, string> {
    return {
      'ratelimit-limit': '5000',
      'ratelimit-remaining': '4999',
      'ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetIn),
    };
  }

  /** One page of `items` under `key`, with links.pages and meta.total as DigitalOcean pages. */
  page(ctx: Ctx, key: string, items: unknown[]): true {
    const asked = Number(ctx.url.searchParams.get('per_page') ?? 20);
    const perPage = Math.max(1, Math.min(Number.isFinite(asked) ? asked : 20, this.pageSize, 200));
    const page = Math.max(1, Number(ctx.url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number) => {
      const u = new URL(ctx.url.toString());
      u.searchParams.set('page', String(n));
      u.searchParams.set('per_page', String(perPage));
      return `${n > page && this.foreignNextOrigin ? this.foreignNextOrigin : this.url}${u.pathname}${u.search}`;
    };
    const pages: Record<string, string> = {};
    if (page > 1) Object.assign(pages, { first: link(1), prev: link(page - 1) });
    if (page < last) Object.assign(pages, { last: link(last), next: link(page + 1) });
    this.json(ctx.res, 200, {
      [key]: items.slice((page - 1) * perPage, page * perPage),
      links: Object.keys(pages).length ? { pages } : {},
      meta: { total: items.length },
    });
    return true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const raw = await new Promise<string>((resolve) => {
      let b = '';
      req.on('data', (c) => {
        b += c;
      });
      req.on('end', () => resolve(b));
    });
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return this.error(res, 400, 'bad_request', 'the request body is not JSON');
    }
    this.requests.push({
      method,
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
      body,
    });
    const fault = this.faults.find(
      (f) => f.left > 0 && (!f.match || f.match.test(`${method} ${url.pathname}`)),
    );
    if (fault) {
      fault.left--;
      return this.error(res, fault.status, fault.id, fault.message, fault.retryAfter);
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return this.error(res, 401);
    if (!url.pathname.startsWith('/v2/')) return this.error(res, 404);
    const ctx: Ctx = {
      method,
      url,
      parts: url.pathname.slice(4).split('/').filter(Boolean).map(decodeURIComponent),
      body: (body && typeof body === 'object' ? body : {}) as Record<string, unknown>,
      res,
    };
    for (const route of [dropletRoutes, accountRoutes, dnsRoutes, vpcRoutes])
      if (route(this, ctx)) return true;
    return this.error(res, 404);
  }
}
