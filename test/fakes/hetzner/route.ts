/** What a route of the fake is: a method, a path pattern and a handler over the fake's state. */
import type { FakeState } from './state.js';

export interface RouteContext {
  state: FakeState;
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/** An answer: a status and a JSON body (undefined: 204). */
export type RouteResult = { status: number; body?: unknown };
export type Route = [method: string, pattern: RegExp, handler: (ctx: RouteContext) => RouteResult];
