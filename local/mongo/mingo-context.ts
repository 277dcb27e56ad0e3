/**
 * mingo operators replaced by mongod-faithful versions, shared by every Query/Aggregator we build:
 * - query `$type` knows BSON types (objectId, long, decimal, binData, timestamp, numeric codes),
 * - expression comparisons ($eq/$ne/$gt/$gte/$lt/$lte/$cmp) use BSON order across types,
 * - query `$regex` (and regexes in `$in`) match in linear time (regex.ts).
 */
import type { Document } from 'bson';
import { Aggregator as AggregatorBase } from 'mingo/aggregator';
import { Context, evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query as QueryBase } from 'mingo/query';
import type { AnyObject, Options } from 'mingo/types';
import { compareBson } from './numbers.js';
import { type RegexOperand, regexMatcher } from './regex.js';
import { bsonTypeName, canonicalKey, typeRank } from './storage/values.js';

const TYPE_ALIASES: Record<string, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  '-1': 'minKey',
  127: 'maxKey',
};

/** As mongod's $type sees it: a missing value has no type. */
function bsonTypeOf(v: unknown): string {
  return v === undefined ? 'undefined' : bsonTypeName(v);
}

function typeMatches(v: unknown, wanted: unknown): boolean {
  const name = typeof wanted === 'number' ? TYPE_ALIASES[String(wanted)] : String(wanted);
  const actual = bsonTypeOf(v);
  if (name === 'number')
    return actual === 'int' || actual === 'double' || actual === 'long' || actual === 'decimal';
  return actual === name;
}

/** Values a query path reaches: the value itself, and for arrays each element too (mongod's $type semantics). */
function queryValues(doc: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    out.push(doc);
    if (Array.isArray(doc)) out.push(...doc);
    return;
  }
  if (Array.isArray(doc)) {
    const part = parts[i] as string;
    if (/^\d+$/.test(part)) queryValues(doc[Number(part)], parts, i + 1, out);
    for (const el of doc)
      if (el && typeof el === 'object' && !Array.isArray(el))
        queryValues((el as Document)[part], parts, i + 1, out);
    return;
  }
  if (doc && typeof doc === 'object' && bsonTypeOf(doc) === 'object') {
    const value = (doc as Document)[parts[i] as string];
    if (value !== undefined) queryValues(value, parts, i + 1, out);
  }
}

function $type(selector: string, value: unknown): (doc: Document) => boolean {
  const wanted = Array.isArray(value) ? value : [value];
  const parts = selector.split('.');
  return (doc) => {
    const values: unknown[] = [];
    queryValues(doc, parts, 0, values);
    return values.some((v) => v !== undefined && wanted.some((w) => typeMatches(v, w)));
  };
}

function comparison(test: (c: number) => boolean) {
  return (obj: Document, expr: unknown, options: Options): boolean => {
    const [a, b] = evalExpr(obj, expr, options) as [unknown, unknown];
    return test(compareBson(a, b));
  };
}

/** Every value a query path reaches; [undefined] when it reaches none (a missing field). */
function pathValues(doc: Document, selector: string): unknown[] {
  const values: unknown[] = [];
  queryValues(doc, selector.split('.'), 0, values);
  return values.length > 0 ? values : [undefined];
}

function isRegex(v: unknown): v is RegExp | { pattern: string; options: string } {
  return v instanceof RegExp || (v as { _bsontype?: string })?._bsontype === 'BSONRegExp';
}

/** mongod equality: null also matches a missing field; numbers of any width compare by value. */
function equalityTest(target: unknown): (v: unknown) => boolean {
  if (target === null || target === undefined) return (v) => v === null || v === undefined;
  if (typeof target === 'string' || typeof target === 'boolean') return (v) => v === target;
  if (typeof target === 'number' && !Number.isNaN(target)) {
    return (v) =>
      v === target ||
      (typeof v === 'object' && v !== null && typeRank(v) === 2 && compareBson(v, target) === 0);
  }
  const key = canonicalKey(target);
  const wide = typeRank(target) === 2;
  return (v) =>
    v !== undefined &&
    (canonicalKey(v) === key || (wide && typeRank(v) === 2 && compareBson(v, target) === 0));
}

function queryEq(selector: string, target: unknown): (doc: Document) => boolean {
  const test = equalityTest(target);
  return (doc) => pathValues(doc, selector).some(test);
}

/** $gt/$gte/$lt/$lte only compare values of the same type bracket, as mongod does. */
function queryRange(test: (c: number) => boolean, inclusive: boolean) {
  return (selector: string, target: unknown): ((doc: Document) => boolean) => {
    if (target === null || target === undefined) {
      return inclusive ? queryEq(selector, null) : () => false;
    }
    const rank = typeRank(target);
    return (doc) =>
      pathValues(doc, selector).some(
        (v) => v !== undefined && typeRank(v) === rank && test(compareBson(v, target)),
      );
  };
}

function queryIn(selector: string, targets: unknown): (doc: Document) => boolean {
  if (!Array.isArray(targets)) throw new Error('$in needs an array');
  const tests = targets.map((t) => {
    if (isRegex(t)) {
      const matches = regexMatcher(t);
      return (v: unknown) => typeof v === 'string' && matches(v);
    }
    return equalityTest(t);
  });
  return (doc) => pathValues(doc, selector).some((v) => tests.some((t) => t(v)));
}

/** $regex in linear time (regex.ts); mingo has already turned `$options` into the RegExp's flags. */
function queryRegex(selector: string, value: unknown): (doc: Document) => boolean {
  const matches = regexMatcher(value as RegexOperand);
  return (doc) => pathValues(doc, selector).some((v) => typeof v === 'string' && matches(v));
}

function exprType(obj: Document, expr: unknown, options: Options): string {
  const value = evalExpr(obj, expr, options);
  return value === undefined ? 'missing' : bsonTypeOf(value);
}

// Context.addOps keeps operators already present, so ours go in first and mingo's fill the rest.
const context = Context.init({
  query: {
    $type,
    $eq: queryEq,
    $ne: (selector: string, target: unknown) => {
      const eq = queryEq(selector, target);
      return (doc: Document) => !eq(doc);
    },
    $gt: queryRange((c) => c > 0, false),
    $gte: queryRange((c) => c >= 0, true),
    $lt: queryRange((c) => c < 0, false),
    $lte: queryRange((c) => c <= 0, true),
    $in: queryIn,
    $regex: queryRegex,
    $nin: (selector: string, targets: unknown) => {
      const within = queryIn(selector, targets);
      return (doc: Document) => !within(doc);
    },
  } as never,
  expression: {
    $eq: comparison((c) => c === 0),
    $ne: comparison((c) => c !== 0),
    $gt: comparison((c) => c > 0),
    $gte: comparison((c) => c >= 0),
    $lt: comparison((c) => c < 0),
    $lte: comparison((c) => c <= 0),
    $cmp: (obj: Document, expr: unknown, options: Options) => {
      const [a, b] = evalExpr(obj, expr, options) as [unknown, unknown];
      return Math.sign(compareBson(a, b));
    },
    $type: exprType,
  } as never,
})
  .addQueryOps(queryOperators as never)
  .addExpressionOps(expressionOperators as never)
  .addAccumulatorOps(accumulatorOperators as never)
  .addPipelineOps(pipelineOperators as never)
  .addProjectionOps(projectionOperators as never)
  .addWindowOps(windowOperators as never);

/** Options for mingo calls that only accept plain options (the updater): they pay for a context copy. */
export const mingoOptions = { context } as const;

let resolveCollection: ((name: string) => AnyObject[]) | undefined;

/**
 * Runs fn with a $lookup/$unionWith collection resolver installed. Handlers are synchronous, so a
 * module-level slot is safe and lets every Aggregator share one prebuilt options instance.
 */
export function withCollectionResolver<T>(resolver: (name: string) => AnyObject[], fn: () => T): T {
  const previous = resolveCollection;
  resolveCollection = resolver;
  try {
    return fn();
  } finally {
    resolveCollection = previous;
  }
}

/**
 * mingo copies the whole operator context (hundreds of entries, ~100 µs) whenever it is given plain
 * options, i.e. on every new Query. Given one of its own ComputeOptions instances it copies nothing.
 * That class is not exported, so one is captured from a throwaway query through a probe operator.
 */
function captureComputeOptions(options: Partial<Options>): Options {
  let captured: Options | undefined;
  const probe = Context.init({
    query: {
      $capture: (_selector: string, _value: unknown, opts: Options) => {
        captured = opts;
        return () => true;
      },
    } as never,
  });
  new QueryBase({ a: { $capture: 1 } }, { ...options, context: Context.from(context, probe) });
  if (!captured) throw new Error('mingo: could not capture compute options');
  return captured;
}

const sharedOptions = captureComputeOptions({
  collectionResolver: (name: string) => resolveCollection?.(name) ?? [],
});

/** The command's `let` variables while it runs (see withVariables): options of their own, built once per command. */
let letOptions: { compute: Options; plain: typeof mingoOptions & { variables: AnyObject } } | undefined;

/**
 * Runs fn (a command handler, synchronous) with the command's `let` variables visible as `$$name` to every
 * Query, Aggregator and pipeline update built meanwhile.
 */
export function withVariables<T>(letSpec: AnyObject, fn: () => T): T {
  // Each variable is an expression ($literal, $rand...), evaluated once, against no document, as mongod does.
  const [evaluated] = new AggregatorBase([{ $replaceRoot: { newRoot: letSpec } }], sharedOptions).run([{}]);
  const variables = (evaluated ?? {}) as AnyObject;
  const previous = letOptions;
  letOptions = {
    compute: captureComputeOptions({
      collectionResolver: (name: string) => resolveCollection?.(name) ?? [],
      variables,
    }),
    plain: { ...mingoOptions, variables },
  };
  try {
    return fn();
  } finally {
    letOptions = previous;
  }
}

/** Options for the updater: mingoOptions, plus the command's `let` variables if it has some. */
export function currentMingoOptions(): typeof mingoOptions {
  return letOptions?.plain ?? mingoOptions;
}

export class Query extends QueryBase {
  constructor(filter: AnyObject) {
    super(filter, letOptions?.compute ?? sharedOptions);
  }
}

export class Aggregator extends AggregatorBase {
  constructor(pipeline: AnyObject[]) {
    super(pipeline, letOptions?.compute ?? sharedOptions);
  }
}
