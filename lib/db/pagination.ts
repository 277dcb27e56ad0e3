/**
 * Keyset pagination with an opaque cursor. A page is sorted by one field plus `_id` as the tie-breaker,
 * and the cursor holds the last item's (field, _id): the next page starts strictly after it, so inserts and
 * deletes between pages never duplicate or skip an item the way skip/offset would.
 */

import type { Collection, Document, Filter, Sort } from 'mongodb';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { BOUNDED } from './limits.js';

export interface PageRequest {
  limit: number;
  cursor?: string;
  /** Field to sort by; `-field` for descending. Must be one the caller whitelisted. */
  sort: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const CursorDate = z.iso.datetime().refine((d) => !Number.isNaN(Date.parse(d)), 'not a date');

/** What a cursor holds: the sort it belongs to, and the last item's sort value and _id. */
const CursorState = z.strictObject({
  s: z.string(),
  v: z.union([z.string(), z.number(), z.boolean(), z.null(), z.strictObject({ $date: CursorDate })]),
  id: z.string().min(1),
});
type CursorState = { s: string; v: unknown; id: string };

function encodeCursor(state: CursorState): string {
  const v = state.v instanceof Date ? { $date: state.v.toISOString() } : state.v;
  return Buffer.from(JSON.stringify({ ...state, v })).toString('base64url');
}

/** The position a cursor holds; anything that does not decode to one (a date that is no date, ...) is a 400. */
function decodeCursor(cursor: string, sort: string): CursorState {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('Invalid cursor: pass the nextCursor of a previous page unchanged');
  }
  const state = CursorState.safeParse(json);
  if (!state.success || state.data.s !== sort) {
    throw new ValidationError('Invalid cursor: it belongs to another sort order or is malformed');
  }
  const { v } = state.data;
  return { ...state.data, v: v !== null && typeof v === 'object' ? new Date(v.$date) : v };
}

function getPath(doc: Document, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o == null ? undefined : (o as Document)[k]), doc);
}

/**
 * One page of `collection` matching `filter` (which must already be scoped to the org).
 * Documents missing the sort field sort as null, first ascending / last descending, as MongoDB does.
 */
export async function findPage<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  req: PageRequest,
): Promise<Page<T>> {
  const desc = req.sort.startsWith('-');
  const field = desc ? req.sort.slice(1) : req.sort;
  const dir = desc ? -1 : 1;
  let pageFilter: Document = filter as Document;
  if (req.cursor) {
    const { v, id } = decodeCursor(req.cursor, req.sort);
    const op = desc ? '$lt' : '$gt';
    const after =
      field === '_id'
        ? { _id: { [op]: id } }
        : v === null || v === undefined
          ? desc
            ? { [field]: null, _id: { $lt: id } }
            : { $or: [{ [field]: null, _id: { $gt: id } }, { [field]: { $ne: null } }] }
          : {
              $or: [
                { [field]: { [op]: v } },
                { [field]: v, _id: { [op]: id } },
                ...(desc ? [{ [field]: null }] : []),
              ],
            };
    pageFilter = { $and: [filter, after] };
  }
  const sort: Sort = field === '_id' ? { _id: dir } : { [field]: dir, _id: dir };
  const docs = (await collection
    .find(pageFilter as Filter<T>, BOUNDED)
    .sort(sort)
    .limit(req.limit + 1)
    .toArray()) as unknown as T[];
  const hasMore = docs.length > req.limit;
  const items = hasMore ? docs.slice(0, req.limit) : docs;
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      hasMore && last
        ? encodeCursor({
            s: req.sort,
            v: field === '_id' ? null : (getPath(last, field) ?? null),
            id: String(last._id),
          })
        : null,
  };
}
