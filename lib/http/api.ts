/**
 * The API handler: middy with a router. Outer middlewares apply to every route: header normalisation and
 * the problem+json error mapping; route-specific ones (JSON body parsing, validation) sit on each route.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError } from '../errors.js';
import { problemJson } from './middleware/problem-json.js';
import type { HttpResult } from './response.js';
import { getHealth } from './routes/health.js';

export const routes: Array<Route<APIGatewayProxyEventV2, HttpResult>> = [
  { method: 'GET', path: '/v1/health', handler: getHealth },
];

export function createApiHandler(routeTable = routes) {
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(httpHeaderNormalizer())
    .use(problemJson())
    .handler(
      httpRouterHandler<APIGatewayProxyEventV2, HttpResult>({
        routes: routeTable,
        notFoundResponse: ({ method, path }) => {
          throw new NotFoundError(`No route for ${method} ${path}`);
        },
      }),
    );
}
