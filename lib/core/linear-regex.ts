/**
 * Which user regexes Nimbo accepts: those it can match in linear time wherever they run. The embedded
 * server matches with RE2 (linear for every pattern RE2 accepts); MongoDB's PCRE backtracks, so the
 * grammar also refuses repeated groups, the shape behind exponential backtracking (`(a|a)+`, `(a+)*`,
 * `(ab)?(ab)?…`), and every query carries maxTimeMS for what backtracking is left.
 */
import { RE2JS } from 're2js';

/** A repeated group: `)` followed by a quantifier (`*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}`). */
function repeatsAGroup(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal in RE2 and PCRE.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === ')') {
      const rest = pattern.slice(i + 1);
      if (/^[*+?]/.test(rest) || /^\{\d+(,\d*)?\}/.test(rest)) return true;
    }
  }
  return false;
}

/** Why `pattern` is refused, or undefined when it is accepted. */
export function linearRegexProblem(pattern: string): string | undefined {
  if (/\p{Cc}/u.test(pattern)) return 'must not contain control characters';
  try {
    new RegExp(pattern);
  } catch {
    return 'not a valid regular expression';
  }
  try {
    RE2JS.compile(pattern);
  } catch {
    return 'uses syntax that cannot be matched in linear time (backreferences, lookahead, lookbehind)';
  }
  if (repeatsAGroup(pattern)) {
    return 'a group may not be repeated ((…)+, (…)*, (…)?, (…){n}): repeat single characters or classes';
  }
  return undefined;
}
