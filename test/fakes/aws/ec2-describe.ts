/**
 * What every Describe* of the fake EC2 does the same way: MaxResults within the operation's bounds,
 * Filters (every filter must match, any of its values may, values take * and ? wildcards, an unknown
 * filter name is refused as EC2 refuses it), then one page and the token of the next.
 */
import type { Filter } from '@aws-sdk/client-ec2';
import { type Ec2State, ec2Error } from './ec2-state.js';

/** EC2's wildcards: * any run of characters, ? exactly one. */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === text[t])) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++mark;
    } else return false;
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

function matches(
  filters: Filter[] | undefined,
  fields: Record<string, string[]>,
  tags: Record<string, string>,
) {
  for (const f of filters ?? []) {
    const name = f.Name ?? '';
    let have: string[] | undefined;
    if (name.startsWith('tag:')) {
      const value = tags[name.slice(4)];
      have = value === undefined ? [] : [value];
    } else if (name === 'tag-key') have = Object.keys(tags);
    else have = fields[name];
    if (have === undefined) throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    if (!have.some((v) => (f.Values ?? []).some((glob) => globMatch(glob, v)))) return false;
  }
  return true;
}

export interface DescribeInput {
  MaxResults?: number | undefined;
  NextToken?: string | undefined;
  Filters?: Filter[] | undefined;
}

export function describeItems<T>(
  state: Ec2State,
  listing: string,
  input: DescribeInput,
  how: {
    items: T[];
    /** The values of the operation's own filters for one item (tag filters need no entry). */
    fields: (item: T) => Record<string, string[]>;
    tags?: (item: T) => Record<string, string>;
    /** EC2's MaxResults bounds for the operation. */
    bounds?: [number, number];
  },
): { items: T[]; next: string | undefined } {
  const [min, max] = how.bounds ?? [5, 1000];
  if (input.MaxResults !== undefined && (input.MaxResults < min || input.MaxResults > max)) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Parameter must be between ${min} and ${max}.`,
    );
  }
  const matching = how.items.filter((item) =>
    matches(input.Filters, how.fields(item), how.tags?.(item) ?? {}),
  );
  return state.page(
    `${listing}:${JSON.stringify(input.Filters ?? [])}`,
    matching,
    input.NextToken,
    input.MaxResults,
  );
}
