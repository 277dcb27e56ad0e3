/**
 * Input validation at the edge: the route's zod schemas parse the path, the query and the body, and any
 * problem becomes a 400 that names each offending field. JSON bodies are parsed here rather than by a
 * generic middleware so that malformed JSON is a clear 400 (middy's parser answers 415), so that MongoDB
 * operators smuggled in as keys (`{"name": {"$ne": null}}`) never reach a query, and so that text that is
 * not Unicode (invalid UTF-8, lone surrogates) is refused rather than stored as U+FFFD.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../core/errors.js';
import { describeIssues, type FieldProblem, summarizeProblems } from '../core/field-errors.js';
import { decodeUtf8 } from '../core/utf8.js';

export type InputPart = 'path' | 'query' | 'body';

export interface FieldError {
  in: InputPart;
  path: string;
  message: string;
}

export const MAX_JSON_BODY_BYTES = 256 * 1024;

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { issues, summary } = describeIssues(result.error);
  const errors: FieldError[] = issues.map((issue) => ({ in: part, ...issue }));
  throw new ValidationError(`Invalid request ${part}: ${summary}`, { details: { errors } });
}

/** Deeper bodies are refused before any schema walks them (a recursive schema would overflow the stack). */
export const MAX_JSON_DEPTH = 32;

class TooDeep extends Error {}

const LONE_SURROGATE = 'must be Unicode text (it holds a lone surrogate)';

/**
 * The first thing in a parsed JSON value that must go no further, as `path: message`: a key that starts
 * with `$` (a MongoDB operator), or a key or a string holding a lone surrogate (`"\ud800"`: not Unicode,
 * it would be stored as U+FFFD). Throws TooDeep past the depth limit.
 */
export function findJsonProblem(value: unknown, path: string[] = [], depth = 0): FieldProblem | undefined {
  if (typeof value === 'string') {
    return value.isWellFormed() ? undefined : { path: path.join('.'), message: LONE_SURROGATE };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) throw new TooDeep();
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const here = [...path, k];
    if (k.startsWith('$')) return { path: here.join('.'), message: 'field names may not start with "$"' };
    if (!k.isWellFormed()) return { path: here.join('.'), message: LONE_SURROGATE };
    const hit = findJsonProblem(v, here, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The body as text. API Gateway passes text as a string and anything else base64-encoded: bytes are
 * decoded strictly (invalid UTF-8 is refused, never read as U+FFFD), and a string must be well-formed.
 * A gateway that has already replaced bad bytes by U+FFFD leaves nothing to detect.
 */
function bodyText(event: APIGatewayProxyEventV2, body: string, maxBytes: number): string {
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : undefined;
  const size = bytes ? bytes.length : Buffer.byteLength(body);
  if (size > maxBytes) {
    throw new PayloadTooLargeError(`The request body exceeds ${maxBytes} bytes`, {
      details: { limit: maxBytes },
    });
  }
  const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new ValidationError('The request body must be JSON (Content-Type: application/json)');
  }
  const text = bytes ? decodeUtf8(bytes) : body.isWellFormed() ? body : undefined;
  if (text === undefined) throw new ValidationError('The request body is not valid UTF-8');
  return text;
}

export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes = MAX_JSON_BODY_BYTES): unknown {
  if (event.body === undefined || event.body === '') return undefined;
  const raw = bodyText(event, event.body, maxBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ValidationError(`Malformed JSON: ${(cause as Error).message}`);
  }
  let problem: FieldProblem | undefined;
  try {
    problem = findJsonProblem(parsed);
  } catch (err) {
    if (err instanceof TooDeep)
      throw new ValidationError(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    throw err;
  }
  if (problem) {
    throw new ValidationError(`Invalid request body: ${summarizeProblems([problem])}`, {
      details: { errors: [{ in: 'body', ...problem }] },
    });
  }
  return parsed;
}
