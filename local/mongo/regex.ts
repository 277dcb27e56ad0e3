/**
 * $regex matching in linear time. JavaScript's RegExp backtracks: `(a|a)+$` against 30 characters takes
 * seconds, and the embedded server runs on the event loop that serves everything else. RE2 (re2js, a port
 * of Go's regexp) matches in time linear in the text for every pattern it accepts; only patterns RE2 cannot
 * express (backreferences, lookaround: mongod's PCRE has them) fall back to RegExp, and Nimbo's own
 * conditions never send those (lib/model/condition.ts refuses them).
 */
import { RE2JS } from 're2js';

export type TextMatcher = (text: string) => boolean;

/** A regex as the driver sends it: a RegExp, a bson BSONRegExp, or a pattern string with $options. */
export type RegexOperand = RegExp | { pattern: string; options: string } | string;

const FLAGS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

/** Compiled matchers by pattern and flags: a query compiles its regex once per command, often the same. */
const cache = new Map<string, TextMatcher>();
const CACHE_SIZE = 500;

function sourceOf(operand: RegexOperand, options = ''): [string, string] {
  if (operand instanceof RegExp) return [operand.source, operand.flags];
  if (typeof operand === 'string') return [operand, options];
  return [operand.pattern, operand.options];
}

export function regexMatcher(operand: RegexOperand, options?: string): TextMatcher {
  const [source, flags] = sourceOf(operand, options);
  const key = `${flags}/${source}`;
  let matcher = cache.get(key);
  if (!matcher) {
    matcher = compile(source, flags);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, matcher);
  }
  return matcher;
}

function compile(source: string, flags: string): TextMatcher {
  let re2Flags = 0;
  for (const f of flags) re2Flags |= FLAGS[f] ?? 0;
  try {
    const re = RE2JS.compile(source, re2Flags);
    return (text) => re.matcher(text).find();
  } catch {
    // Syntax RE2 does not have (mongod would accept it): RegExp, as before.
    const re = new RegExp(source, flags.replace(/[^imsu]/g, ''));
    return (text) => re.test(text);
  }
}
