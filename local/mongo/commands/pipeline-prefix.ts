/**
 * The part of an aggregation pipeline that a query can answer: a leading $match, then $sort, then
 * $skip and $limit, folded into one runQuery (query-exec.ts) so that an index serves the filter and the
 * order, and a sort + limit reads no more than the page, as mongod's pipeline optimizer arranges it.
 */
import type { Document } from 'bson';
import type { QueryRequest } from '../query-exec.js';
import { isPlainObject, toNumber } from './context.js';

function count(v: unknown, min: number): number | undefined {
  const n = toNumber(v);
  return n !== undefined && Number.isSafeInteger(n) && n >= min ? n : undefined;
}

/** The query the pipeline starts with, and the stages left; null when it starts with neither $match nor $sort. */
export function pipelineQuery(stages: Document[]): { query: QueryRequest; rest: Document[] } | null {
  let i = 0;
  const query: QueryRequest = {};
  if (stages[i] && isPlainObject(stages[i]!.$match)) query.filter = stages[i++]!.$match as Document;
  if (stages[i] && isPlainObject(stages[i]!.$sort)) query.sort = stages[i++]!.$sort as Document;
  if (i === 0) return null;
  const skip = stages[i] && '$skip' in stages[i]! ? count(stages[i]!.$skip, 0) : undefined;
  if (skip !== undefined) {
    query.skip = skip;
    i++;
  }
  const limit = stages[i] && '$limit' in stages[i]! ? count(stages[i]!.$limit, 1) : undefined;
  if (limit !== undefined) {
    query.limit = limit;
    i++;
  }
  return { query, rest: stages.slice(i) };
}
