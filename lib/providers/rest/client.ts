/**
 * A small typed client for the providers that publish a plain JSON API and no SDK worth loading
 * (DigitalOcean, Hetzner Cloud): one fetch per call, every answer validated with a zod schema, throttling
 * retried with the shared full-jitter backoff (never sooner than the provider's Retry-After or rate-limit
 * reset), and every failure turned into one of the shared provider errors with the provider's own words,
 * credentials redacted. The token goes only to the API's own origin: a paging link or redirect that points
 * elsewhere is refused.
 */
import type { z } from 'zod';
import { NimboError, ProviderError } from '../../core/errors.js';
import { type BackoffOptions, retryThrottled } from '../backoff.js';
import {
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
  redactSecrets,
} from '../errors.js';

/** What a failed answer said, read off its status, headers and body. */
export interface RestFailure {
  status: number;
  /** The provider's error code (DigitalOcean `id`, Hetzner `error.code`). */
  code?: string;
  message: string;
  /** How long the provider asked us to wait (Retry-After, or the rate-limit reset), in ms. */
  retryAfterMs?: number;
}

type ErrorClass = new (message: string, options?: { cause?: unknown }) => NimboError;

export interface RestApi {
  /** Named in every message: "DigitalOcean", "Hetzner Cloud". */
  service: string;
  /** With the version path, no trailing slash: https://api.digitalocean.com/v2. */
  baseUrl: string;
  /** The authorization header and any other header every call carries. */
  headers: Record<string, string>;
  /** Strings that must never appear in a message (the token). */
  secrets: readonly string[];
  /** Reads the provider's error body. */
  describeError(body: unknown): { code?: string; message?: string };
  /** The provider's codes that mean more than the status says (a locked server, a wrong state). */
  classify?(failure: RestFailure): ErrorClass | undefined;
  /**
   * How long a failed answer asks to wait, in ms, where the provider's headers mean something else than
   * `retryAfterMs` reads (Hetzner's RateLimit-Reset is when the whole hourly budget is back, not when the
   * next request may go). Default: `retryAfterMs`.
   */
  retryAfter?(headers: Headers, now: Date): number | undefined;
  /** Per call; past it the call fails with ProviderTimeoutError. */
  timeoutMs?: number;
  /** The longest Retry-After worth waiting inside one call; a longer one fails at once, saying when. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RestRequest<S extends z.ZodType> {
  /** Relative to baseUrl ("/droplets"), or an absolute URL on the same origin (a paging link). */
  path: string;
  query?: Query;
  body?: unknown;
  /** What a successful answer must look like; a 204 is parsed as `undefined`. */
  schema: S;
  /** What was done, for messages: "power_off droplet 123 in fra1". */
  context: string;
}

/** A failed answer, before it becomes a provider error: throttling is told apart by it. */
export class RestHttpError extends Error {
  override readonly name = 'RestHttpError';
  constructor(readonly failure: RestFailure) {
    super(failure.message);
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 20_000;
/** GETs change nothing: a gateway failure is worth another try, as throttling is. */
const RETRIED_GET_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Retry-After in seconds or as an HTTP date; else the rate-limit reset as epoch seconds (both providers). */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const after = headers.get('retry-after');
  if (after !== null) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(after);
    if (Number.isFinite(at)) return Math.max(0, at - now.getTime());
  }
  const reset = Number(headers.get('ratelimit-reset'));
  if (headers.get('ratelimit-reset') !== null && Number.isFinite(reset)) {
    return Math.max(0, reset * 1000 - now.getTime());
  }
  return undefined;
}

export class RestClient {
  private readonly origin: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;

  constructor(
    private readonly api: RestApi,
    private readonly backoff: BackoffOptions,
  ) {
    this.origin = new URL(api.baseUrl).origin;
    this.fetchImpl = api.fetch ?? fetch;
    this.now = api.now ?? (() => new Date());
  }

  get<S extends z.ZodType>(req: RestRequest<S>): Promise<z.infer<S>> {
    return this.request('GET', req);
  }

  post<S extends z.ZodType>(req: RestRequest<S>): Promise<z.infer<S>> {
    return this.request('POST', req);
  }

  put<S extends z.ZodType>(req: RestRequest<S>): Promise<z.infer<S>> {
    return this.request('PUT', req);
  }

  delete<S extends z.ZodType>(req: RestRequest<S>): Promise<z.infer<S>> {
    return this.request('DELETE', req);
  }

  /** One call: throttling retried with backoff (and gateway failures of a GET), then mapped. */
  async request<S extends z.ZodType>(method: string, req: RestRequest<S>): Promise<z.infer<S>> {
    const retried = method === 'GET' ? RETRIED_GET_STATUSES : new Set([429]);
    const maxWait = this.api.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    return retryThrottled(() => this.once(method, req), this.backoff, {
      isThrottled: (err) =>
        err instanceof RestHttpError &&
        retried.has(err.failure.status) &&
        (err.failure.retryAfterMs ?? 0) <= maxWait,
      minWaitMs: (err) => (err instanceof RestHttpError ? (err.failure.retryAfterMs ?? 0) : 0),
      fail: (err, attempts) => this.toProviderError(err, req.context, attempts),
    });
  }

  /**
   * Every page of a listing: `step` reads a page's items and where the next one is (DigitalOcean's
   * links.pages.next, Hetzner's meta.pagination.next_page). A provider that keeps pointing onwards past
   * `maxPages` is refused rather than followed for ever.
   */
  async collect<S extends z.ZodType, T>(
    first: Omit<RestRequest<S>, 'body'>,
    step: (page: z.infer<S>) => { items: T[]; next?: { path: string; query?: Query } | undefined },
    maxPages = 1000,
  ): Promise<T[]> {
    const out: T[] = [];
    let target: { path: string; query?: Query } | undefined = first;
    for (let n = 0; target; n++) {
      if (n === maxPages) {
        throw new ProviderError(`${first.context}: ${this.api.service} listed more than ${maxPages} pages`);
      }
      const page = await this.get({ ...first, path: target.path, query: target.query });
      const { items, next } = step(page);
      out.push(...items);
      target = next;
    }
    return out;
  }

  private url(path: string, query: Query | undefined): URL {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(this.api.baseUrl + path);
    // The token must not follow a link to another host.
    if (url.origin !== this.origin) {
      throw new ProviderError(`${this.api.service} pointed at ${url.origin}, which is not its API's origin`);
    }
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private async once<S extends z.ZodType>(method: string, req: RestRequest<S>): Promise<z.infer<S>> {
    const url = this.url(req.path, req.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.api.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetchImpl(url, {
      method,
      headers,
      redirect: 'error',
      signal: AbortSignal.timeout(this.api.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    });
    const text = await res.text();
    const body = parseJson(text);
    if (!res.ok) {
      const said = this.api.describeError(body);
      throw new RestHttpError({
        status: res.status,
        ...(said.code ? { code: said.code } : {}),
        message: said.message ?? (text.slice(0, 300) || res.statusText || `HTTP ${res.status}`),
        ...optional('retryAfterMs', (this.api.retryAfter ?? retryAfterMs)(res.headers, this.now())),
      });
    }
    const parsed = req.schema.safeParse(text === '' ? undefined : body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      throw new ProviderError(
        `${req.context}: ${this.api.service} answered ${method} ${url.pathname} with an unexpected body${where}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  }

  private toProviderError(err: unknown, context: string, attempts: number): NimboError {
    if (err instanceof NimboError) return err;
    const secrets = this.api.secrets;
    if (!(err instanceof RestHttpError)) {
      const e = err as { name?: string; message?: string; cause?: { code?: string } };
      const what = redactSecrets(e?.message ?? String(err), secrets);
      if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
        return new ProviderTimeoutError(`${context}: ${this.api.service} did not answer in time`);
      }
      return new ProviderError(
        `${context}: ${this.api.service} could not be reached (${e?.cause?.code ?? what})`,
      );
    }
    const f = err.failure;
    const text = `${context}: ${this.api.service} ${[f.status, f.code].filter(Boolean).join(' ')}: ${redactSecrets(f.message, secrets)}`;
    const special = this.api.classify?.(f);
    if (special) return new special(text);
    if (f.status === 429) {
      const wait =
        f.retryAfterMs !== undefined ? `; it asks to wait ${Math.ceil(f.retryAfterMs / 1000)} s` : '';
      return new ProviderThrottledError(`${text} (gave up after ${attempts} attempts${wait})`);
    }
    if (f.status === 401 || f.status === 403) return new ProviderAuthError(text);
    if (f.status === 404) return new ProviderNotFoundError(text);
    if (f.status === 409 || f.status === 423) return new ProviderConflictError(text);
    if (f.status === 400 || f.status === 422) return new ProviderRejectedError(text);
    if (f.status === 504) return new ProviderTimeoutError(text);
    return new ProviderError(text);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
