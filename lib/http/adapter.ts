/**
 * Turns a declared route into the function middy's router calls: authenticate, validate path, query and
 * body with the route's schemas, call the handler, shape the reply. Errors propagate to the problem+json
 * middleware.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { DepsProvider, ServiceDeps } from '../core/deps.js';
import { UnprocessableError, ValidationError } from '../core/errors.js';
import { authenticateRequest } from './auth.js';
import { type HttpResult, json } from './response.js';
import type { AnyRoute } from './route.js';
import { parseInput, readJsonBody } from './validate.js';

function parseBody(route: AnyRoute, raw: unknown) {
  try {
    return parseInput(route.body, raw, 'body');
  } catch (err) {
    if (route.invalidBodyStatus === 422 && err instanceof ValidationError) {
      throw new UnprocessableError(err.message, { details: err.details });
    }
    throw err;
  }
}

export function toLambdaRoute(route: AnyRoute, provideDeps: DepsProvider) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    let deps: Promise<ServiceDeps> | undefined;
    const lazyDeps = () => {
      deps ??= provideDeps();
      return deps;
    };
    // Authenticate first: an anonymous caller learns nothing about a route's input rules.
    const actor =
      route.auth === 'public' ? undefined : await authenticateRequest(event, await lazyDeps(), route.auth);
    const params = route.params ? parseInput(route.params, event.pathParameters ?? {}, 'path') : undefined;
    const query = route.query
      ? parseInput(route.query, event.queryStringParameters ?? {}, 'query')
      : undefined;
    const body = route.body ? parseBody(route, readJsonBody(event) ?? {}) : undefined;
    const reply = await route.handler({
      params,
      query,
      body,
      actor: actor as NonNullable<typeof actor>,
      requestId: event.requestContext?.requestId ?? 'unknown',
      deps: lazyDeps,
      event,
    });
    if (reply.body === undefined) {
      return { statusCode: reply.status, headers: { 'cache-control': 'no-store', ...reply.headers } };
    }
    return json(reply.status, reply.body, reply.headers);
  };
}
