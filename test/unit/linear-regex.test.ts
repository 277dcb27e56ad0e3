/**
 * Regex conditions are matched in linear time: the grammar refuses what backtracks exponentially and what
 * RE2 cannot match, and no accepted pattern takes over 50 ms on a 128-character name on the engine the
 * embedded server matches with.
 */
import { describe, expect, it } from 'vitest';
import { compileConditions } from '../../lib/machines/conditions.js';
import { regexProblem } from '../../lib/model/condition.js';
import { regexMatcher } from '../../local/mongo/regex.js';

describe('which regexes a condition accepts', () => {
  it.each([
    ['(a|a)+$', /group may not be repeated/],
    ['(a+)+$', /group may not be repeated/],
    ['^(ab)*c', /group may not be repeated/],
    ['(?:web|db)?-1', /group may not be repeated/],
    ['(a|b){2,5}', /group may not be repeated/],
    ['(a)\\1', /linear time/],
    ['web(?=-1)', /linear time/],
    ['(?<!x)web', /linear time/],
    ['(', /not a valid regular expression/],
    ['a\u0000b', /NUL/],
    ['a\u0007b', /control characters/],
    ['x'.repeat(129), /at most 128/],
    ['', /non-empty/],
  ])('refuses %s', (pattern, reason) => {
    expect(regexProblem(pattern)).toMatch(reason);
  });

  it.each([
    'web-',
    '^web-\\d+-prod$',
    '(web|db)-[0-9]{1,3}',
    '[)]+x',
    '\\(a\\)+',
    '[^)]*\\)',
    'prod|staging',
    '.*-eu-west-\\d$',
  ])('accepts %s', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });
});

/** The $regex string that a name condition sends to the database. */
function sentPattern(value: string): string {
  const filter = compileConditions({ field: 'name', op: 'regex', value }, 'org_x', new Date(0));
  const found = JSON.stringify(filter).match(/"\$regex":("(?:[^"\\]|\\.)*")/);
  return JSON.parse(found![1]!);
}

/** A seeded generator (mulberry32), so a failure names a pattern that can be tried again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ATOMS = ['a', 'b', '.', '\\w', '\\d', '[a-c]', '[^b]', '(a|aa)', '(a|b|ab)', '(?:a*|b)', '-'];
const QUANTIFIERS = ['', '', '*', '+', '?', '{1,8}', '*?', '+', '{2,}'];

function randomPattern(next: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const parts = Array.from({ length: 2 + Math.floor(next() * 14) }, () => pick(ATOMS) + pick(QUANTIFIERS));
  return `${next() < 0.3 ? '^' : ''}${parts.join('')}${next() < 0.5 ? '$' : pick(['!', 'z', ''])}`;
}

const HOSTILE = [
  '.*.*.*.*.*.*.*.*!',
  'a*a*a*a*a*a*a*a*a*a*b',
  `${'(a|aa)'.repeat(20)}b`,
  `${'(a|a)'.repeat(25)}!`,
  '[a-z]+[a-z]+[a-z]+[a-z]+[a-z]+$',
  '\\w*\\w*\\w*\\w*\\w*\\w*\\d',
  '.*a.*a.*a.*a.*a.*a.*b',
];

describe('the time an accepted regex takes', () => {
  const names = [`${'a'.repeat(127)}!`, 'a'.repeat(128), `${'ab'.repeat(63)}-!`, `${'a-'.repeat(64)}`];

  it('stays under 50 ms on every 128-character name, for hostile and 2,000 random accepted patterns', () => {
    const next = random(20261203);
    const candidates = [...HOSTILE, ...Array.from({ length: 2_000 }, () => randomPattern(next))];
    const accepted = candidates.filter((p) => regexProblem(p) === undefined);
    expect(accepted.length).toBeGreaterThan(300);
    expect(accepted).toEqual(expect.arrayContaining(HOSTILE));
    let slowest = { ms: 0, pattern: '', name: '' };
    for (const pattern of accepted) {
      const matches = regexMatcher(sentPattern(pattern));
      for (const name of names) {
        // The best of three: a garbage collection pause is not the pattern's doing, backtracking would be.
        let ms = Number.POSITIVE_INFINITY;
        for (let run = 0; run < 3; run++) {
          const started = performance.now();
          matches(name);
          ms = Math.min(ms, performance.now() - started);
        }
        if (ms > slowest.ms) slowest = { ms, pattern, name };
      }
    }
    expect(slowest.ms, `${slowest.pattern} on ${slowest.name}`).toBeLessThan(50);
  });
});
