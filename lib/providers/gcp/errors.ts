/**
 * Compute Engine failures → Nimbo's provider errors. Google answers {error:{code,message,status,
 * errors:[{reason}]}}; the official client turns that into a GoogleError carrying a gRPC status code,
 * and a failed long-running operation carries its own error list. All of them are reduced here to an
 * HTTP status and a reason, then to one of the shared classes. Messages name the operation and zone,
 * and every credential string is redacted from them.
 */
import { NimboError, ProviderError } from '../../core/errors.js';
import {
  MachineStateError,
  type MapErrorOptions,
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
  redactSecrets,
} from '../errors.js';

/** gRPC status → the HTTP status Google documents for it (google.rpc.Code). */
const GRPC_TO_HTTP: Record<number, number> = {
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  13: 500,
  14: 503,
  16: 401,
};

const THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);
/**
 * The client keeps only the google.rpc.Status part of an error body and drops the legacy `errors`
 * list with its reason, so a 403 rateLimitExceeded is recognised by Google's fixed message too.
 */
const THROTTLE_WORDS = /rate limit exceeded|quota exceeded for quota metric/i;
/** GCE says the resource is in the wrong state with these (HTTP 400, or an operation's error code). */
const STATE_REASONS = new Set(['resourceNotReady', 'RESOURCE_NOT_READY', 'UNSUPPORTED_OPERATION']);
const STATE_WORDS = /not ready|must be stopped|invalid state|is starting or running|is not running/i;
/** GCE refused for want of capacity or quota: nothing wrong with the key, so not an auth error at 403. */
const REJECTED_REASONS = new Set([
  'QUOTA_EXCEEDED',
  'quotaExceeded',
  'ZONE_RESOURCE_POOL_EXHAUSTED',
  'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
]);
/**
 * GCE refused because of what depends on the resource: a network with subnetworks, a subnetwork with
 * instances (resourceInUseByAnotherResource, HTTP 400 or a failed operation), a zone with records
 * (Cloud DNS containerNotEmpty, 400), or a range that overlaps a sibling's (400 invalid, in words).
 */
const CONFLICT_REASONS = new Set([
  'resourceInUseByAnotherResource',
  'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
  'containerNotEmpty',
]);
const CONFLICT_WORDS = /conflicts with existing subnetwork|is already being used by/i;
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNRESET', 'TimeoutError', 'AbortError']);

/** An operation that ended with `error`: its first entry, with the HTTP status GCE recorded on it. */
export class GcpOperationError extends Error {
  override readonly name = 'GcpOperationError';
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorLike {
  code?: unknown;
  status?: unknown;
  httpStatusCode?: unknown;
  httpStatus?: unknown;
  reason?: unknown;
  name?: unknown;
  message?: unknown;
  errors?: unknown;
  statusDetails?: unknown;
  response?: { status?: unknown; data?: unknown };
}

export interface GcpFailure {
  httpStatus?: number;
  reason?: string;
  message: string;
  /** Node's socket code or the name of an abort, when the request never got an answer. */
  transport?: string;
}

function firstReason(list: unknown): string | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const e of list) {
    const r = (e as { reason?: unknown; code?: unknown })?.reason ?? (e as { code?: unknown })?.code;
    if (typeof r === 'string' && r) return r;
  }
  return undefined;
}

/** Reduce whatever the client threw to Google's status and reason. */
export function gcpFailure(err: unknown): GcpFailure {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(err);
  let httpStatus: number | undefined;
  for (const s of [e.httpStatusCode, e.httpStatus, e.response?.status]) {
    if (typeof s === 'number' && s >= 400) httpStatus = s;
  }
  // @google-cloud/common's ApiError (Cloud DNS) carries the HTTP status as `code`; gax a gRPC code (0-16).
  if (httpStatus === undefined && typeof e.code === 'number') {
    httpStatus = e.code >= 400 ? e.code : GRPC_TO_HTTP[e.code];
  }
  if (httpStatus === undefined && typeof e.status === 'number' && e.status >= 400) httpStatus = e.status;
  const data = e.response?.data as { error?: { errors?: unknown } } | undefined;
  const reason =
    (typeof e.reason === 'string' && e.reason ? e.reason : undefined) ??
    firstReason(e.errors) ??
    firstReason(data?.error?.errors) ??
    firstReason(e.statusDetails);
  const transport = [e.code, e.name].find((c): c is string => typeof c === 'string' && TIMEOUT_CODES.has(c));
  return {
    message,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(reason ? { reason } : {}),
    ...(transport ? { transport } : {}),
  };
}

export function isGcpThrottling(err: unknown): boolean {
  if (err instanceof NimboError) return false;
  const f = gcpFailure(err);
  return isThrottled(f);
}

function isThrottled(f: GcpFailure): boolean {
  if (f.httpStatus === 429 || (f.reason !== undefined && THROTTLE_REASONS.has(f.reason))) return true;
  return f.httpStatus === 403 && THROTTLE_WORDS.test(f.message);
}

/**
 * Map an error of a GCE call. `context` says what was done and where, e.g. "instances.stop web-1 in
 * europe-west1-b"; `service` names the API in the message (Compute Engine, or Cloud DNS). Errors
 * already mapped pass through unchanged.
 */
export function mapGcpError(
  err: unknown,
  context: string,
  options: MapErrorOptions = {},
  service = 'GCE',
): NimboError {
  if (err instanceof NimboError) return err;
  const f = gcpFailure(err);
  const message = redactSecrets(f.message, options.secrets);
  const label = [f.httpStatus, f.reason].filter((x) => x !== undefined).join(' ');
  const text = `${context}: ${service} ${label ? `${label}: ` : ''}${message}`;
  // The cause goes to logs: when it held a secret, logs get nothing rather than the secret.
  const opts = { cause: message === f.message ? err : undefined };
  const reason = f.reason ?? '';
  if (isThrottled(f)) {
    const tries = options.attempts ? ` (gave up after ${options.attempts} attempts)` : '';
    return new ProviderThrottledError(text + tries, opts);
  }
  if (REJECTED_REASONS.has(reason)) return new ProviderRejectedError(text, opts);
  if (f.httpStatus === 401 || f.httpStatus === 403) return new ProviderAuthError(text, opts);
  if (f.httpStatus === 404) return new ProviderNotFoundError(text, opts);
  if (f.httpStatus === 409 || f.httpStatus === 412) return new ProviderConflictError(text, opts);
  if (CONFLICT_REASONS.has(reason) || (f.httpStatus === 400 && CONFLICT_WORDS.test(f.message))) {
    return new ProviderConflictError(text, opts);
  }
  if (STATE_REASONS.has(reason) || (f.httpStatus === 400 && STATE_WORDS.test(f.message))) {
    return new MachineStateError(text, opts);
  }
  if (f.httpStatus === 400) return new ProviderRejectedError(text, opts);
  if (f.transport || f.httpStatus === 504) return new ProviderTimeoutError(text, opts);
  return new ProviderError(text, opts);
}
