/**
 * A route is declared once, with its schemas: the same declaration validates requests, types the
 * handler's input, and generates the OpenAPI document. Handlers receive parsed input and return a reply;
 * they never see an unvalidated value.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import type { ServiceDeps } from '../core/deps.js';
import type { TokenActor } from '../model/actor.js';
import type { Role } from '../model/role.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** Present on every route whose `auth` is a role. */
  actor: TokenActor;
  requestId: string;
  /** The database and the clock; connects on first use (public routes may never need it). */
  deps: () => Promise<ServiceDeps>;
  event: APIGatewayProxyEventV2;
}

export interface RouteReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteResponseSpec {
  description: string;
  schema?: Schema;
}

export interface RouteSpec<
  P extends Schema | undefined = Schema | undefined,
  Q = Schema | undefined,
  B = Schema | undefined,
> {
  method: HttpMethod;
  /** OpenAPI-style path: /v1/machines/{id} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The least role allowed, or 'public' (no token). */
  auth: Role | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** 422 where a body that parses as JSON but breaks the grammar is "unprocessable" (conditions), else 400. */
  invalidBodyStatus?: 400 | 422;
  /** Success responses; the error responses every route can give are added by the OpenAPI generator. */
  responses: Record<number, RouteResponseSpec>;
  handler: (input: RouteInput<P, Q, B>) => Promise<RouteReply>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of routes
export type AnyRoute = RouteSpec<any, any, any>;

export function defineRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}
