/**
 * Index bounds as mongod's explain prints them: per key field a list of intervals, `[v, v]` for a point,
 * `(lo, hi]` style for a range (an open side stops at the edge of the value's type bracket), and
 * `[MinKey, MaxKey]` for a field the scan does not bound. Backward scans list intervals high to low.
 */
import type { Document } from 'bson';
import type { Index } from './indexes.js';
import { formatValue } from './keys.js';
import type { RangeCond } from './sorted.js';
import { canonicalKey, compareValues } from './values.js';

/** The edges of mongod's type brackets, as explain prints them. */
const BRACKET_EDGES: Record<number, [string, string]> = {
  2: ['-inf.0', 'inf.0'],
  3: ['""', '{}'],
  7: ["ObjectId('000000000000000000000000')", "ObjectId('ffffffffffffffffffffffff')"],
  8: ['false', 'true'],
  9: ['new Date(-9223372036854775808)', 'new Date(9223372036854775807)'],
  10: ['Timestamp(0, 0)', 'Timestamp(4294967295, 4294967295)'],
};

function points(values: unknown[]): string[] {
  const unique = new Map<string, unknown>();
  for (const v of values) unique.set(canonicalKey(v), v);
  return [...unique.values()].sort(compareValues).map((v) => `[${formatValue(v)}, ${formatValue(v)}]`);
}

function interval(range: RangeCond): string {
  const [minEdge, maxEdge] = BRACKET_EDGES[range.rank] ?? ['MinKey', 'MaxKey'];
  const lo = range.lo ? `${range.lo.inclusive ? '[' : '('}${formatValue(range.lo.value)}` : `[${minEdge}`;
  const hi = range.hi ? `${formatValue(range.hi.value)}${range.hi.inclusive ? ']' : ')'}` : `${maxEdge}]`;
  return `${lo}, ${hi}`;
}

function reversed(text: string): string {
  // "[a, b)" scanned backward reads "(b, a]".
  const open = text[0] === '[' ? ']' : ')';
  const close = text[text.length - 1] === ']' ? '[' : '(';
  const [a, b] = splitInterval(text.slice(1, -1));
  return `${close}${b}, ${a}${open}`;
}

function splitInterval(inner: string): [string, string] {
  // Values never contain ", " outside quotes in the forms above except inside documents; split at the
  // comma that balances brackets and quotes.
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '"' && inner[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) return [inner.slice(0, i), inner.slice(i + 2)];
  }
  return [inner, inner];
}

/**
 * Bounds of a scan over `ix` whose first fields take the values of `eqLists`, the next one `range`
 * (if any), and the rest anything.
 */
export function indexBounds(
  ix: Index,
  eqLists: unknown[][],
  range: RangeCond | undefined,
  backward: boolean,
) {
  const out: Document = {};
  ix.fields.forEach((field, i) => {
    let list: string[];
    if (i < eqLists.length) list = points(eqLists[i]!);
    else if (i === eqLists.length && range) list = [interval(range)];
    else list = ['[MinKey, MaxKey]'];
    // A descending key field lists its intervals high to low on a forward scan, as mongod does.
    const flip = backward !== (ix.spec.key[field] === -1);
    out[field] = flip ? list.map(reversed).reverse() : list;
  });
  return out;
}

/** mongod's scan direction for a walk of our (all-ascending) ordered view. */
export function scanDirection(ix: Index, firstSortedField: string | undefined, backward: boolean) {
  const declared = firstSortedField === undefined ? 1 : (ix.spec.key[firstSortedField] ?? 1);
  return (declared === -1) !== backward ? 'backward' : 'forward';
}
