/**
 * The OpenAPI 3.1 document, generated from the declared routes: the schemas that validate requests are
 * the ones documented, so the document cannot drift from the behaviour.
 */
import { z } from 'zod';
import { ProblemSchema } from '../model/problem.js';
import type { AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

const ERROR_RESPONSES: Record<number, string> = {
  400: 'Malformed request: invalid JSON, unknown fields, wrong types',
  401: 'Missing, invalid, expired or revoked token',
  403: "The token's role does not allow this",
  404: "Not found (also for another org's resources)",
  413: 'Request body too large',
  422: 'Valid request that cannot be done',
  429: 'Too many requests',
  502: 'The cloud provider answered with an error',
  503: 'The database is unavailable',
};

class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    const rewritten = JSON.parse(
      JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/'),
    ) as JsonSchema;
    const defs = (rewritten.$defs ?? {}) as Record<string, JsonSchema>;
    for (const [id, def] of Object.entries(defs)) this.components[id] ??= def;
    delete rewritten.$defs;
    delete rewritten.$schema;
    return rewritten;
  }
}

function parameters(collector: SchemaCollector, schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema || !(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, prop]) => {
    const json = collector.convert(prop, 'input');
    const { description, ...rest } = json;
    return {
      name,
      in: where,
      required: where === 'path' || !prop.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

export function buildOpenApiDocument(routes: AnyRoute[], info: { title: string; version: string }) {
  const collector = new SchemaCollector();
  const problemRef = collector.convert(ProblemSchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { 'application/json': { schema: collector.convert(spec.schema, 'output') } } }
          : {}),
      };
    }
    const errors = Object.keys(ERROR_RESPONSES)
      .map(Number)
      .filter((s) => (route.auth === 'public' ? s !== 401 && s !== 403 : true))
      .filter((s) => (s === 413 ? route.body !== undefined : true));
    for (const status of errors) {
      responses[status] = {
        description: ERROR_RESPONSES[status],
        content: { 'application/problem+json': { schema: problemRef } },
      };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(route.auth === 'public' ? { security: [] } : { 'x-nimbo-role': route.auth }),
      parameters: [
        ...parameters(collector, route.params, 'path'),
        ...parameters(collector, route.query, 'query'),
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: collector.convert(route.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Nimbo: a serverless multi-cloud manager' },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (nimbo_...)' },
      },
      schemas: collector.components,
    },
  };
}
