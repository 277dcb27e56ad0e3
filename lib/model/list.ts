/** The query and reply shapes shared by every list route: `?limit=&cursor=&sort=&q=` -> `{items, nextCursor}`. */
import { z } from 'zod';
import { NulFreeString } from './common.js';

export function listQuery<const F extends readonly [string, ...string[]]>(
  sortFields: F,
  defaultSort: string,
) {
  const sorts = [...sortFields, ...sortFields.map((f) => `-${f}`)] as [string, ...string[]];
  return z.strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('Items per page (1-500)'),
    cursor: z
      .string()
      .max(1024)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be the nextCursor of a previous page, unchanged')
      .optional()
      .describe('nextCursor of the previous page'),
    sort: z
      .enum(sorts)
      .default(defaultSort)
      .describe(`Sort field, "-" prefix for descending: ${sortFields.join(', ')}`),
    q: NulFreeString.trim().min(1).max(128).optional().describe('Case-insensitive search in names'),
  });
}

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
    })
    .meta({ id });
}

/** Text as a regex source that matches exactly that text (every regex syntax character escaped). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A user's search text as a safe, anchored-nowhere, case-insensitive regex (no regex syntax from users). */
export function searchRegex(q: string): RegExp {
  return new RegExp(escapeRegex(q), 'i');
}
