/**
 * Input validation at the edge: the route's zod schemas parse the path, the query and the body, and any
 * problem becomes a 400 that names each offending field. JSON bodies are parsed here rather than by a
 * generic middleware so that malformed JSON is a clear 400 (middy's parser answers 415), and so that
 * MongoDB operators smuggled in as keys (`{"name": {"$ne": null}}`) never reach a query.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../core/errors.js';
import { describeIssues } from '../core/field-errors.js';

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

/** Finds the first key that starts with `$` anywhere in a parsed JSON value; throws TooDeep past the limit. */
export function findOperatorKey(value: unknown, path: string[] = [], depth = 0): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findOperatorKey(value[i], [...path, String(i)], depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) return [...path, k].join('.');
    const hit = findOperatorKey(v, [...path, k], depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes = MAX_JSON_BODY_BYTES): unknown {
  if (event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw) > maxBytes) {
    throw new PayloadTooLargeError(`The request body exceeds ${maxBytes} bytes`, {
      details: { limit: maxBytes },
    });
  }
  const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new ValidationError('The request body must be JSON (Content-Type: application/json)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ValidationError(`Malformed JSON: ${(cause as Error).message}`);
  }
  let operator: string | undefined;
  try {
    operator = findOperatorKey(parsed);
  } catch (err) {
    if (err instanceof TooDeep)
      throw new ValidationError(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    throw err;
  }
  if (operator) {
    throw new ValidationError(`Field names may not start with "$" (found "${operator}")`, {
      details: { errors: [{ in: 'body', path: operator, message: 'field names may not start with "$"' }] },
    });
  }
  return parsed;
}
