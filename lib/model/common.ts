/** Schemas shared by every resource: ids, timestamps, names, tags, text from outside. */
import { createHash, randomFillSync } from 'node:crypto';
import { z } from 'zod';

/** Resource ids are `<prefix>_<16 url-safe chars>`: readable in logs, unguessable, and typed by their prefix. */
export const ID_PREFIXES = {
  org: 'org',
  token: 'tok',
  cloud: 'cld',
  machine: 'mch',
  probe: 'prb',
  job: 'job',
  audit: 'aud',
  snapshot: 'snp',
  key: 'key',
  keyAssociation: 'kas',
  script: 'scr',
  scriptRun: 'srx',
  zone: 'zon',
  record: 'rec',
  network: 'net',
  subnet: 'sub',
  event: 'evt',
  webhook: 'whk',
  delivery: 'dlv',
  rule: 'rul',
  ruleFiring: 'rfi',
  calendar: 'cal',
  machineOverride: 'ovr',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

// Random bytes are drawn 4 KiB at a time: a poll that creates 10,000 machines and 10,000 audit events
// would otherwise pay a crypto call per id.
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

export function newId(kind: IdKind): string {
  if (poolUsed + 12 > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const id = pool.toString('base64url', poolUsed, poolUsed + 12);
  poolUsed += 12;
  return `${ID_PREFIXES[kind]}_${id}`;
}

/**
 * An id derived from what the resource stands for (a request key and a machine, say): the same every time,
 * so a repeated request finds what the first one made. Same shape as newId's.
 */
export function derivedId(kind: IdKind, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url');
  return `${ID_PREFIXES[kind]}_${digest.slice(0, 16)}`;
}

export function idSchema(kind: IdKind) {
  return z
    .string()
    .regex(
      new RegExp(`^${ID_PREFIXES[kind]}_[A-Za-z0-9_-]{16}$`),
      `must be a ${kind} id (${ID_PREFIXES[kind]}_...)`,
    )
    .describe(`A ${kind} id`);
}

/**
 * Any text that comes from outside and may reach the database as a key, a regex or an index bound, an argv
 * or an environment: BSON keys and regexes are C strings, and so are those, so NUL (\0) is refused here, at
 * the edge, rather than by the driver later (a BSONError, a 500). Every free-text query parameter and every
 * free-form key is one of these.
 */
export const NulFreeString = z.string().regex(/^[^\0]*$/, 'must not contain NUL (\\0) characters');

/** Tags given to a cloud resource: up to 40, free-form keys without NUL (they become stored field names). */
export const Tags = z
  .record(NulFreeString.min(1).max(128), z.string().max(256))
  .refine((t) => Object.keys(t).length <= 40, 'at most 40 tags');

/** Display names: printable, trimmed, no control characters. */
export const Name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

export const Timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 date-time');

/** A stored date as the API shows it; null stays null. */
export function isoOrNull(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
