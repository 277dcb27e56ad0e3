/** Routes about Nimbo itself: health and the API's own description. */
import { z } from 'zod';
import { readConfig } from '../../core/config.js';
import { checkHealth, pingDatabase } from '../../db/health.js';
import { HealthReportSchema } from '../../model/health.js';
import { type AnyRoute, defineRoute } from '../route.js';

export const getHealth = defineRoute({
  method: 'GET',
  path: '/v1/health',
  operationId: 'getHealth',
  summary: 'Is Nimbo up, and can it reach its database',
  tag: 'system',
  auth: 'public',
  responses: { 200: { description: 'Nimbo and its database are up', schema: HealthReportSchema } },
  handler: async () => {
    const config = readConfig();
    const report = await checkHealth({
      version: config.NIMBO_VERSION,
      pingDatabase: () => pingDatabase(config),
    });
    return { status: 200, body: report };
  },
});

/** Built lazily from the final route table, once per container. */
export function openApiRoute(document: () => unknown): AnyRoute {
  return defineRoute({
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This API, described as OpenAPI 3.1',
    tag: 'system',
    auth: 'public',
    responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    handler: async () => ({ status: 200, body: document() }),
  });
}
