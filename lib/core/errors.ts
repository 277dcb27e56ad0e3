/**
 * Nimbo's typed errors. Each has a stable `code` that callers (and the API's problem+json `code` member)
 * can rely on; lib/http maps each class to an HTTP status. The `cause` keeps the underlying error for logs,
 * never for the reply.
 */
export abstract class NimboError extends Error {
  abstract readonly code: string;
  /** Extra, safe-to-show details for the reply (field errors, limits, ...). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.details) this.details = options.details;
  }
}

/** The request is malformed (bad JSON, wrong types, unknown fields). */
export class ValidationError extends NimboError {
  override readonly name: string = 'ValidationError';
  readonly code: string = 'validation_failed';
}

/** The caller is not authenticated. */
export class UnauthorizedError extends NimboError {
  override readonly name: string = 'UnauthorizedError';
  readonly code: string = 'unauthorized';
}

/** The path exists, but not with this method; `allow` lists the methods it serves. */
export class MethodNotAllowedError extends NimboError {
  override readonly name: string = 'MethodNotAllowedError';
  readonly code: string = 'method_not_allowed';
  readonly allow: string[];

  constructor(message: string, allow: string[]) {
    super(message, { details: { allow } });
    this.allow = allow;
  }
}

/** The caller is authenticated but its role does not allow the action. */
export class ForbiddenError extends NimboError {
  override readonly name: string = 'ForbiddenError';
  readonly code: string = 'forbidden';
}

/** The resource does not exist, or belongs to another org (no existence leak). */
export class NotFoundError extends NimboError {
  override readonly name: string = 'NotFoundError';
  readonly code: string = 'not_found';
}

/** The request conflicts with the resource's current state (duplicate name, wrong machine state). */
export class ConflictError extends NimboError {
  override readonly name: string = 'ConflictError';
  readonly code: string = 'conflict';
}

/** The request is well-formed but cannot be done (unsupported by the provider, invalid combination). */
export class UnprocessableError extends NimboError {
  override readonly name: string = 'UnprocessableError';
  readonly code: string = 'unprocessable';
}

/** The request body exceeds the accepted size. */
export class PayloadTooLargeError extends NimboError {
  override readonly name: string = 'PayloadTooLargeError';
  readonly code: string = 'payload_too_large';
}

/** The caller sends too many requests. */
export class RateLimitedError extends NimboError {
  override readonly name: string = 'RateLimitedError';
  readonly code: string = 'rate_limited';
}

/** A cloud provider answered with an error; the message is the provider's, safe to show. */
export class ProviderError extends NimboError {
  override readonly name: string = 'ProviderError';
  readonly code: string = 'provider_error';
}

/** MongoDB cannot be reached or answered with a server error. */
export class DatabaseUnavailableError extends NimboError {
  override readonly name: string = 'DatabaseUnavailableError';
  readonly code: string = 'database_unavailable';
}

/** Configuration is missing or invalid (an operator mistake at deploy or start time). */
export class ConfigurationError extends NimboError {
  override readonly name: string = 'ConfigurationError';
  readonly code: string = 'configuration_error';
}

/** An error as it may be stored and shown: only our own errors' messages are safe to keep. */
export interface ErrorSummary {
  code: string;
  message: string;
}

/** Our own error's code and message; anything else only that it happened, in the words given. */
export function summarizeError(err: unknown, unexpected = 'An unexpected error occurred'): ErrorSummary {
  if (err instanceof NimboError) return { code: err.code, message: err.message };
  return { code: 'internal_error', message: unexpected };
}

/** A job's error as stored on the job, its run records and its periodic task. */
export function jobError(err: unknown): ErrorSummary {
  return summarizeError(err, 'The job failed with an unexpected error; it has been logged');
}
