import middy from '@middy/core';
import { createError } from '@middy/util';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConflictError,
  DatabaseUnavailableError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../lib/core/errors.js';
import { problemJson } from '../../lib/http/middleware/problem-json.js';
import { toProblem } from '../../lib/http/problem.js';

describe('problem+json mapping', () => {
  it.each([
    [new ValidationError('name: required'), 400, 'validation_failed'],
    [new NotFoundError('machine not found'), 404, 'not_found'],
    [new ConflictError('machine is stopped'), 409, 'conflict'],
    [new ProviderError('InvalidInstanceID.NotFound'), 502, 'provider_error'],
    [new DatabaseUnavailableError('down'), 503, 'database_unavailable'],
  ])('maps %s to status %i with code %s', (err, status, code) => {
    const p = toProblem(err, 'urn:nimbo:request:1');
    expect(p).toMatchObject({ status, code, detail: err.message, instance: 'urn:nimbo:request:1' });
    expect(p.type).toContain(code);
  });

  it('carries safe details as extension members', () => {
    const p = toProblem(new ValidationError('bad', { details: { errors: [{ path: 'name' }] } }));
    expect(p.errors).toEqual([{ path: 'name' }]);
  });

  it('answers 500 without any internal detail for an unknown error', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'x')");
    const p = toProblem(err);
    expect(p).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(p)).not.toContain('Cannot read');
    expect(JSON.stringify(p)).not.toContain('at ');
  });

  it('hides the message of a configuration error, which may name internal resources', () => {
    const p = toProblem(new ConfigurationError('Cannot read arn:aws:secretsmanager:...'));
    expect(p.status).toBe(500);
    expect(JSON.stringify(p)).not.toContain('arn:aws');
  });

  it("keeps the status and message of middy's client errors (malformed JSON is 415 there)", () => {
    const p = toProblem(createError(415, 'Invalid or malformed JSON was provided'));
    expect(p).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('does not trust a 5xx http error to be safe to show', () => {
    const p = toProblem(createError(502, 'upstream 10.0.0.12 refused'));
    expect(p.status).toBe(500);
    expect(JSON.stringify(p)).not.toContain('10.0.0.12');
  });

  it('answers 504, not 500, when the invocation runs out of time, and says what may still happen', async () => {
    const slow = middy(async () => {
      await new Promise((r) => setTimeout(r, 200));
      return { statusCode: 201, body: '' };
    }).use(problemJson());
    const event = { rawPath: '/v1/clouds', requestContext: { requestId: 'r1' } } as never;
    const res = await slow(event, { getRemainingTimeInMillis: () => 30 } as never);
    expect(res.statusCode).toBe(504);
    expect(JSON.parse(res.body)).toMatchObject({
      code: 'timeout',
      status: 504,
      detail: expect.stringMatching(/look before repeating/),
    });
  });
});
