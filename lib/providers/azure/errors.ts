/**
 * Azure SDK failures → Nimbo's provider errors. ARM answers `{ error: { code, message } }`, which the SDK
 * turns into a RestError with `statusCode` and `code`; @azure/identity throws AuthenticationError with the
 * AADSTS code in its message. We duck-type both so this module never imports an SDK at runtime.
 * Messages name the operation and the VM, never the client secret.
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

const AUTH_CODES = new Set([
  'AuthorizationFailed',
  'AuthenticationFailed',
  'InvalidAuthenticationToken',
  'InvalidAuthenticationTokenTenant',
  'ExpiredAuthenticationToken',
  'LinkedAuthorizationFailed',
  'SubscriptionNotFound',
]);
const NOT_FOUND_CODES = new Set([
  'ResourceNotFound',
  'ResourceGroupNotFound',
  'NotFound',
  'ParentResourceNotFound',
]);
/**
 * 400s that mean "something else is in the way", not a malformed request: a subnet still holding NICs,
 * a subnet range overlapping a sibling's (Microsoft.Network), and a failed If-None-Match / If-Match
 * (412 PreconditionFailed: the zone or record set already exists, or changed since it was read).
 */
const CONFLICT_CODES = new Set([
  'InUseSubnetCannotBeDeleted',
  'NetcfgSubnetRangesOverlap',
  'PreconditionFailed',
]);
const REJECTED_CODES = new Set([
  'InvalidParameter',
  'BadRequest',
  'InvalidRequestContent',
  'InvalidTemplate',
  'SkuNotAvailable',
  'QuotaExceeded',
  'OperationNotAllowed',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
]);
/** OperationNotAllowed / Conflict whose message speaks of the VM's state: the machine must change state first. */
const STATE_MESSAGE =
  /cannot be performed while|while the vm is|is (?:not )?(?:running|deallocat|stopp|starting)|power state/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  details?: { error?: { code?: unknown; message?: unknown } };
  response?: { headers?: { get?: (name: string) => string | undefined } };
}

/** core-lro's error for an operation that ended Failed carries ARM's code in its message only. */
const LRO_FAILED = /^The long-running operation has failed\. (\w+)\./;

export function azureErrorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'UnknownError';
  const e = err as ErrorLike;
  const lro = typeof e.message === 'string' ? LRO_FAILED.exec(e.message) : null;
  if (lro) return lro[1]!;
  const detail = e.details?.error?.code;
  if (typeof detail === 'string' && detail) return detail;
  if (typeof e.code === 'string' && e.code) return e.code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error' && e.name !== 'RestError') return e.name;
  return 'UnknownError';
}

function statusOf(err: unknown): number | undefined {
  const s = (err as ErrorLike | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function isThrottlingError(err: unknown): boolean {
  if (err instanceof NimboError) return false;
  return statusOf(err) === 429 || /^(TooManyRequests|Throttl)/.test(azureErrorCode(err));
}

/** Retry-After in milliseconds when ARM sent one: we never retry sooner than Azure asks. */
export function retryAfterMs(err: unknown): number {
  const value = (err as ErrorLike | null)?.response?.headers?.get?.('retry-after');
  const seconds = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/**
 * Map any error thrown by an Azure call; `context` says what was done to what (e.g. "Azure start VM
 * rg-a/web-1"). Errors already mapped pass through unchanged.
 */
export function mapAzureError(err: unknown, context: string, options: MapErrorOptions = {}): NimboError {
  if (err instanceof NimboError) return err;
  const secrets = options.secrets ?? [];
  const code = azureErrorCode(err);
  const status = statusOf(err);
  const e = (err ?? {}) as ErrorLike;
  const own = typeof e.message === 'string' ? e.message : '';
  const raw = own || (typeof e.details?.error?.message === 'string' ? e.details.error.message : '') || code;
  const message = redactSecrets(raw, secrets);
  const text = `${context}: Azure ${code}${status ? ` (HTTP ${status})` : ''}: ${message}`;
  // The cause goes to logs: when it held a secret, logs get nothing rather than the secret.
  const opts = { cause: message === raw ? err : undefined };
  const name = typeof e.name === 'string' ? e.name : '';
  if (
    AUTH_CODES.has(code) ||
    status === 401 ||
    status === 403 ||
    /AADSTS\d+/.test(raw) ||
    name === 'AuthenticationError' ||
    name === 'CredentialUnavailableError' ||
    name === 'AggregateAuthenticationError'
  ) {
    return new ProviderAuthError(text, opts);
  }
  if (isThrottlingError(err)) {
    const tries = options.attempts ? ` (gave up after ${options.attempts} attempts)` : '';
    return new ProviderThrottledError(text + tries, opts);
  }
  if (NOT_FOUND_CODES.has(code) || status === 404) return new ProviderNotFoundError(text, opts);
  if ((code === 'OperationNotAllowed' || code === 'Conflict' || status === 409) && STATE_MESSAGE.test(raw)) {
    return new MachineStateError(text, opts);
  }
  if (CONFLICT_CODES.has(code) || status === 412) return new ProviderConflictError(text, opts);
  if (code === 'Conflict' || status === 409) return new ProviderConflictError(text, opts);
  if (REJECTED_CODES.has(code) || status === 400) return new ProviderRejectedError(text, opts);
  if (TIMEOUT_CODES.has(code) || status === 408 || status === 504 || /timed? ?out/i.test(raw)) {
    return new ProviderTimeoutError(text, opts);
  }
  return new ProviderError(text, opts);
}
