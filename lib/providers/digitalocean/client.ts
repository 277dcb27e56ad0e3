/**
 * What every DigitalOcean driver (compute, dns, network) is made of: the shared REST client pointed at
 * the API (or the cloud's endpoint override), signed with the token, DigitalOcean's error body
 * {id, message, request_id} read for messages, and its codes told apart where the status alone misleads.
 * Listings follow links.pages.next, which DigitalOcean gives as absolute URLs on its own origin.
 */
import { z } from 'zod';
import { type BackoffDeps, DEFAULT_BACKOFF } from '../backoff.js';
import { MachineStateError, ProviderConflictError } from '../errors.js';
import { type Query, RestClient, type RestFailure } from '../rest/client.js';
import { credentialSecrets, type DigitalOceanCredentials } from './credentials.js';

export const SERVICE = 'DigitalOcean';
export const DEFAULT_ORIGIN = 'https://api.digitalocean.com';
/** The most a page may hold (the API's per_page maximum). */
export const PER_PAGE = 200;

export interface DigitalOceanCloudConfig {
  cloudId: string;
  /** Region slugs (fra1, ams3, ...): resources elsewhere are left out. */
  regions: string[];
  credentials: DigitalOceanCredentials;
  /** Replaces https://api.digitalocean.com (a local fake); /v2 is appended. */
  endpoint?: string;
}

export interface DigitalOceanDriverDeps extends BackoffDeps {
  fetch?: typeof fetch;
  /** How often an action is polled until it completes (0 in tests). */
  actionPollMs?: number;
  /** How long an action is waited for; past it the action is left running (it was accepted). */
  actionTimeoutMs?: number;
}

export interface DigitalOceanSetup {
  rest: RestClient;
  regions: string[];
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  actionPollMs: number;
  actionTimeoutMs: number;
}

const ErrorBody = z.looseObject({ id: z.string().optional(), message: z.string().optional() });

/** DigitalOcean's error body: {id: "not_found", message: "...", request_id}. */
export function describeError(body: unknown): { code?: string; message?: string } {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return {};
  return {
    ...(parsed.data.id ? { code: parsed.data.id } : {}),
    ...(parsed.data.message ? { message: parsed.data.message } : {}),
  };
}

/** DigitalOcean's words for a droplet whose power state forbids the action (422 unprocessable_entity). */
const WRONG_STATE =
  /already (powered )?(on|off)|currently (on|off|active)|power(ed)? (it )?(on|off)|must be (powered )?(on|off)|is (not )?(running|off)/i;
/** An action while another runs on the droplet: the droplet is locked (422). */
const LOCKED = /pending event|is locked|in progress/i;
/** A name or key the account holds already (a domain, an SSH key): 422 on DigitalOcean, a conflict. */
const TAKEN = /already (in use|exists|been taken)/i;

export function classify(failure: RestFailure) {
  if (failure.status !== 422) return undefined;
  if (LOCKED.test(failure.message) || TAKEN.test(failure.message)) return ProviderConflictError;
  if (WRONG_STATE.test(failure.message)) return MachineStateError;
  return undefined;
}

export function digitalOceanSetup(
  config: DigitalOceanCloudConfig,
  deps: DigitalOceanDriverDeps = {},
): DigitalOceanSetup {
  const backoff = {
    ...DEFAULT_BACKOFF,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.maxAttempts ? { maxAttempts: deps.maxAttempts } : {}),
  };
  const origin = (config.endpoint ?? DEFAULT_ORIGIN).replace(/\/+$/, '');
  const now = deps.now ?? (() => new Date());
  const rest = new RestClient(
    {
      service: SERVICE,
      baseUrl: `${origin}/v2`,
      headers: { authorization: `Bearer ${config.credentials.token}` },
      secrets: credentialSecrets(config.credentials),
      describeError,
      classify,
      now,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    },
    backoff,
  );
  return {
    rest,
    regions: [...new Set(config.regions.map((r) => r.toLowerCase()))],
    now,
    sleep: backoff.sleep,
    actionPollMs: deps.actionPollMs ?? 2_000,
    actionTimeoutMs: deps.actionTimeoutMs ?? 120_000,
  };
}

/** links.pages.next of a listing; absent on the last page (or when everything fit in one). */
export const Links = z
  .looseObject({ pages: z.looseObject({ next: z.string().optional() }).optional() })
  .optional();

/** The next page of a listing, as RestClient.collect takes it. */
export function nextPage(page: { links?: z.infer<typeof Links> }): { path: string } | undefined {
  const next = page.links?.pages?.next;
  return next ? { path: next } : undefined;
}

/** Every item of a paged listing under `key` (droplets, sizes, domains, ...). */
export async function listAll<T extends z.ZodType>(
  rest: RestClient,
  path: string,
  key: string,
  item: T,
  context: string,
  query: Query = {},
): Promise<z.infer<T>[]> {
  const schema = z.looseObject({ [key]: z.array(item), links: Links });
  return rest.collect({ path, query: { per_page: PER_PAGE, ...query }, schema, context }, (page) => ({
    items: (page as Record<string, unknown>)[key] as z.infer<T>[],
    next: nextPage(page as { links?: z.infer<typeof Links> }),
  }));
}
