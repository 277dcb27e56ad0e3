/**
 * The API handler: middy with a router over the declared routes. Outer middlewares apply to every route:
 * header normalisation and the problem+json error mapping. A path no route has is a 404; a path some
 * route has, asked with another method, is a 405 listing the methods it serves.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { productionDeps } from '../app/deps.js';
import { readConfig } from '../core/config.js';
import type { DepsProvider } from '../core/deps.js';
import { MethodNotAllowedError, NotFoundError } from '../core/errors.js';
import { escapeRegex } from '../model/list.js';
import { toLambdaRoute } from './adapter.js';
import { problemJson } from './middleware/problem-json.js';
import { buildOpenApiDocument } from './openapi.js';
import type { HttpResult } from './response.js';
import type { AnyRoute } from './route.js';
import { calendarRoutes } from './routes/calendars.js';
import {
  deleteCloudRoute,
  getCloud,
  getCloudImages,
  getCloudLocations,
  getCloudSizes,
  getClouds,
  patchCloud,
  postCloud,
  postCloudMachine,
  postCloudPoll,
} from './routes/clouds.js';
import { commandRoutes } from './routes/commands.js';
import { postConditionsPreview } from './routes/conditions.js';
import { costRoutes } from './routes/costs.js';
import { dnsRoutes } from './routes/dns.js';
import { getEvents } from './routes/events.js';
import { getAudit, getJobRoute, getJobs } from './routes/jobs-audit.js';
import { keyRoutes } from './routes/keys.js';
import {
  deleteMachineSnapshot,
  getMachine,
  getMachineSnapshots,
  getMachines,
  postMachineAction,
  postMachineSnapshot,
  postMachineSnapshotRevert,
} from './routes/machines.js';
import { networkRoutes } from './routes/networks.js';
import { probeRoutes } from './routes/probes.js';
import { ruleRoutes } from './routes/rules.js';
import { scheduleExceptionRoutes } from './routes/schedule-exceptions.js';
import { scheduleRoutes } from './routes/schedules.js';
import { scriptRoutes } from './routes/scripts.js';
import { getHealth, openApiRoute } from './routes/system.js';
import { deleteToken, getTokens, postToken } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';

export const apiRoutes: AnyRoute[] = [
  getHealth,
  postToken,
  getTokens,
  deleteToken,
  postCloud,
  getClouds,
  getCloud,
  patchCloud,
  deleteCloudRoute,
  postCloudPoll,
  postCloudMachine,
  getCloudImages,
  getCloudSizes,
  getCloudLocations,
  getMachines,
  getMachine,
  postMachineAction,
  getMachineSnapshots,
  postMachineSnapshot,
  deleteMachineSnapshot,
  postMachineSnapshotRevert,
  getJobs,
  getJobRoute,
  getAudit,
  postConditionsPreview,
  ...scheduleRoutes,
  ...scheduleExceptionRoutes,
  ...calendarRoutes,
  ...commandRoutes,
  ...probeRoutes,
  ...keyRoutes,
  ...scriptRoutes,
  ...dnsRoutes,
  ...networkRoutes,
  ...webhookRoutes,
  getEvents,
  ...ruleRoutes,
  ...costRoutes,
];

/** Which methods serve a request path: each route's template as the router matches it ({name}: a segment). */
function methodsByPath(routes: AnyRoute[]): (path: string) => string[] {
  const templates = routes.map((route) => {
    const source = route.path
      .split(/\{[^/]+\}/)
      .map(escapeRegex)
      .join('[^/]+');
    return { method: route.method, pattern: new RegExp(`^${source}/?$`) };
  });
  return (path) => [...new Set(templates.filter((t) => t.pattern.test(path)).map((t) => t.method))];
}

export function createApiHandler(options: { routes?: AnyRoute[]; deps?: DepsProvider } = {}) {
  const routes = options.routes ?? apiRoutes;
  let document: unknown;
  const openApi = openApiRoute(() => {
    document ??= buildOpenApiDocument([...routes, openApi], {
      title: 'Nimbo API',
      version: readConfig().NIMBO_VERSION,
    });
    return document;
  });
  const all = [...routes, openApi];
  const methodsOf = methodsByPath(all);
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(httpHeaderNormalizer())
    .use(problemJson())
    .handler(
      httpRouterHandler<APIGatewayProxyEventV2, HttpResult>({
        routes: all.map((route) => ({
          method: route.method,
          path: route.path,
          handler: toLambdaRoute(route, options.deps ?? productionDeps),
        })),
        notFoundResponse: ({ method, path }) => {
          const allow = methodsOf(path);
          if (allow.length) throw new MethodNotAllowedError(`${path} does not serve ${method}`, allow);
          throw new NotFoundError(`No route for ${method} ${path}`);
        },
      }),
    );
}
