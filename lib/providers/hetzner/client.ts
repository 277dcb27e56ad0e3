/**
 * The Hetzner Cloud API as Nimbo calls it: the shared RestClient with Hetzner's base URL, Bearer token,
 * error body ({error:{code,message,details}}) and codes, paging by meta.pagination, and the driver config
 * every Hetzner driver takes. One project token reaches servers, networks and the Cloud API's DNS zones.
 */
import { z } from 'zod';
import { type BackoffDeps, DEFAULT_BACKOFF } from '../backoff.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderConflictError,
  ProviderRejectedError,
} from '../errors.js';
import { type Query, type RestApi, RestClient, type RestFailure, type RestRequest } from '../rest/client.js';
import { credentialSecrets, type HetznerCredentials } from './credentials.js';

export const HETZNER_API_ORIGIN = 'https://api.hetzner.cloud';
/** The most items one page holds (docs: per_page, max 50). */
export const MAX_PER_PAGE = 50;

export interface HetznerDriverConfig {
  cloudId: string;
  /** Hetzner locations: fsn1, nbg1, hel1, ash, hil, sin. */
  regions: string[];
  credentials: HetznerCredentials;
  /** Replaces https://api.hetzner.cloud (a local fake); /v1 is appended. */
  endpoint?: string;
}

export type HetznerDriverDeps = BackoffDeps & {
  fetch?: typeof fetch;
  /** Between two reads of a running action (default 1000; 0 in tests). */
  actionPollMs?: number;
  /** How long an action is waited on before the call returns anyway (default 120000). */
  actionTimeoutMs?: number;
  /** How long a stop waits for the guest to shut down before cutting the power (default 60000). */
  shutdownTimeoutMs?: number;
};

const ErrorBody = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional(), details: z.unknown() }),
});

/** Hetzner's words, with the names of invalid fields (invalid_input's details.fields) appended. */
export function describeHetznerError(body: unknown): { code?: string; message?: string } {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return {};
  const { code, message, details } = parsed.data.error;
  const fields = z
    .object({ fields: z.array(z.object({ name: z.string(), messages: z.array(z.string()).optional() })) })
    .safeParse(details);
  const extra = fields.success
    ? fields.data.fields.map((f) => `${f.name}: ${(f.messages ?? []).join(', ')}`).join('; ')
    : '';
  return {
    ...(code ? { code } : {}),
    ...(message || extra ? { message: [message, extra].filter(Boolean).join(' — ') } : {}),
  };
}

/** Codes that mean more than their status (docs.hetzner.cloud, "Errors"; hcloud-go error.go). */
const STATE_CODES = new Set(['server_not_stopped']);
/** Refusals of the request itself, whatever status they come with (resource_limit_exceeded is a 403). */
const REJECTED_CODES = new Set([
  'invalid_input',
  'json_error',
  'invalid_server_type',
  'resource_limit_exceeded',
  'placement_error',
  'no_space_left_in_location',
  'unsupported_error',
]);
const CONFLICT_CODES = new Set([
  'locked',
  'resource_locked',
  'uniqueness_error',
  'conflict',
  'resource_in_use',
  'networks_overlap',
  'server_already_attached',
  'protected',
]);

export function classifyHetznerError(f: RestFailure): ReturnType<NonNullable<RestApi['classify']>> {
  if (f.code && STATE_CODES.has(f.code)) return MachineStateError;
  if (f.code && CONFLICT_CODES.has(f.code)) return ProviderConflictError;
  if (f.code && REJECTED_CODES.has(f.code)) return ProviderRejectedError;
  if (f.code === 'forbidden' || f.code === 'token_readonly') return ReadOnlyTokenError;
  return undefined;
}

/** A read-only token reads everything and fails at the first change: say what to do about it. */
class ReadOnlyTokenError extends ProviderAuthError {
  constructor(message: string) {
    super(`${message} (the project API token must have Read & Write permission)`);
  }
}

/**
 * Hetzner's RateLimit-Reset is when the hourly budget (3600 requests, one back each second) is full
 * again: up to an hour away at a 429, though the next request may go a second later. hcloud-go backs off
 * by itself for rate_limit_exceeded; so does Nimbo, waiting at least a Retry-After where one is sent.
 */
export function hetznerRetryAfterMs(headers: Headers): number | undefined {
  const seconds = Number(headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}

export function hetznerClient(config: HetznerDriverConfig, deps: HetznerDriverDeps): RestClient {
  const { fetch: fetchImpl, now, sleep, random, maxAttempts } = deps;
  const token = config.credentials.token;
  return new RestClient(
    {
      service: 'Hetzner Cloud',
      baseUrl: `${(config.endpoint ?? HETZNER_API_ORIGIN).replace(/\/+$/, '')}/v1`,
      headers: { authorization: `Bearer ${token}` },
      secrets: credentialSecrets(config.credentials),
      describeError: describeHetznerError,
      classify: classifyHetznerError,
      retryAfter: hetznerRetryAfterMs,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
      ...(now ? { now } : {}),
    },
    {
      ...DEFAULT_BACKOFF,
      ...(sleep ? { sleep } : {}),
      ...(random ? { random } : {}),
      ...(maxAttempts ? { maxAttempts } : {}),
    },
  );
}

const Meta = z
  .looseObject({
    pagination: z
      .looseObject({ page: z.number(), next_page: z.number().nullable().optional() })
      .nullable()
      .optional(),
  })
  .optional();
type Page<T> = { meta?: z.infer<typeof Meta>; items: T[] };

/**
 * Every page of a listing: `key` names the array in each page (servers, images, ...), `item` its schema;
 * pages follow meta.pagination.next_page with per_page at its maximum.
 */
export function listAll<T extends z.ZodType>(
  rest: RestClient,
  req: { path: string; query?: Query; context: string },
  key: string,
  item: T,
): Promise<z.infer<T>[]> {
  // Each page names its array after the resource (servers, images, ...): read into one shape.
  const schema: z.ZodType<Page<z.infer<T>>> = z
    .looseObject({ meta: Meta, [key]: z.array(item) })
    .transform((p) => ({ meta: p.meta as z.infer<typeof Meta>, items: p[key] as z.infer<T>[] }));
  const first: Omit<RestRequest<typeof schema>, 'body'> = {
    path: req.path,
    query: { ...req.query, per_page: MAX_PER_PAGE },
    schema,
    context: req.context,
  };
  return rest.collect(first, (page) => {
    const next = page.meta?.pagination?.next_page;
    return {
      items: page.items,
      ...(next
        ? { next: { path: req.path, query: { ...req.query, per_page: MAX_PER_PAGE, page: next } } }
        : {}),
    };
  });
}
