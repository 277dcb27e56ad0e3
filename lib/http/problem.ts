/**
 * RFC 9457 problem details: every error that leaves the API has this shape, with a stable `code`.
 * Unknown errors become a bare 500 whose body says nothing about the internals.
 */
import {
  ConfigurationError,
  ConflictError,
  DatabaseUnavailableError,
  ForbiddenError,
  MethodNotAllowedError,
  NimboError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderError,
  RateLimitedError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../core/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

const statusByClass: Array<[new (...args: never[]) => NimboError, number, string]> = [
  [ValidationError, 400, 'Bad request'],
  [UnauthorizedError, 401, 'Unauthorized'],
  [ForbiddenError, 403, 'Forbidden'],
  [NotFoundError, 404, 'Not found'],
  [MethodNotAllowedError, 405, 'Method not allowed'],
  [ConflictError, 409, 'Conflict'],
  [PayloadTooLargeError, 413, 'Payload too large'],
  [UnprocessableError, 422, 'Unprocessable request'],
  [RateLimitedError, 429, 'Too many requests'],
  [ProviderError, 502, 'Cloud provider error'],
  [DatabaseUnavailableError, 503, 'Service unavailable'],
  [ConfigurationError, 500, 'Server misconfigured'],
];

const titleByStatus: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  500: 'Internal error',
};

/** middy's http errors (http-errors style): they carry a status and a message meant for the client. */
interface HttpLikeError {
  statusCode: number;
  expose?: boolean;
  message: string;
}

function isHttpLikeError(err: unknown): err is HttpLikeError {
  const e = err as Partial<HttpLikeError> | null;
  return (
    !!e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 && e.expose !== false
  );
}

/** The headers a problem reply carries besides its content type: `Allow` on a 405 (RFC 9110). */
export function problemHeaders(err: unknown): Record<string, string> {
  return err instanceof MethodNotAllowedError ? { allow: err.allow.join(', ') } : {};
}

/** middy's timeoutEarly: the invocation is about to hit its limit, and the reply goes out before it does. */
function isInvocationTimeout(err: unknown): boolean {
  const cause = (err as { cause?: { package?: unknown } } | null)?.cause;
  return err instanceof Error && err.name === 'TimeoutError' && cause?.package === '@middy/core';
}

export function toProblem(err: unknown, instance?: string): Problem {
  if (err instanceof NimboError) {
    const match = statusByClass.find(([cls]) => err instanceof cls);
    const status = match?.[1] ?? 500;
    // A misconfiguration is the operator's to fix, but its message may name internal resources: keep it in logs.
    const detail = err instanceof ConfigurationError ? 'The server is not configured correctly' : err.message;
    return {
      type: `https://nimbo.dev/problems/${err.code}`,
      title: match?.[2] ?? 'Internal error',
      status,
      detail,
      code: err.code,
      ...(instance ? { instance } : {}),
      ...(err.details ?? {}),
    };
  }
  if (isInvocationTimeout(err)) {
    return {
      type: 'https://nimbo.dev/problems/timeout',
      title: 'Gateway Timeout',
      status: 504,
      detail:
        'The request did not finish within the time the API has to answer. What it started may still ' +
        'complete: look before repeating it (GET the resource or GET /v1/audit).',
      code: 'timeout',
      ...(instance ? { instance } : {}),
    };
  }
  if (isHttpLikeError(err) && err.statusCode < 500) {
    const status = err.statusCode;
    return {
      type: 'about:blank',
      title: titleByStatus[status] ?? 'Bad request',
      status,
      detail: err.message,
      code: status === 404 ? 'not_found' : status === 415 ? 'unsupported_media_type' : 'bad_request',
      ...(instance ? { instance } : {}),
    };
  }
  return {
    type: 'about:blank',
    title: 'Internal error',
    status: 500,
    detail: 'An unexpected error occurred; it has been logged',
    code: 'internal_error',
    ...(instance ? { instance } : {}),
  };
}
