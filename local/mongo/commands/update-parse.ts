/** Parsing and validating an update (operator document, replacement or pipeline) once per statement. */
import { type Document, ObjectId } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { bsonTypeName, isPlainObject, toNumber } from './context.js';

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$rename',
  '$currentDate',
  '$bit',
  '$setOnInsert',
]);
const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export type CompiledUpdate =
  | { kind: 'replacement'; doc: Document }
  | { kind: 'operators'; ops: Record<string, Document>; positional: boolean }
  | { kind: 'pipeline'; stages: Document[] };

const failedToParse = (m: string) => new MongoCommandError(ErrorCode.FailedToParse, m);

export function compileUpdate(u: unknown): CompiledUpdate {
  if (Array.isArray(u)) {
    for (const stage of u) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !PIPELINE_STAGES.has(name)) {
        throw new MongoCommandError(
          ErrorCode.InvalidOptions,
          `${name ?? 'stage'} is not allowed to be used within an update`,
        );
      }
    }
    return { kind: 'pipeline', stages: u as Document[] };
  }
  if (!isPlainObject(u)) throw failedToParse('Update argument must be either an object or an array');
  const keys = Object.keys(u);
  if (keys.length === 0 || !keys[0]?.startsWith('$')) {
    for (const k of keys) {
      if (k.startsWith('$')) {
        throw new MongoCommandError(
          ErrorCode.DollarPrefixedFieldName,
          `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
        );
      }
    }
    return { kind: 'replacement', doc: u };
  }
  const compiled: Record<string, Document> = {};
  const paths: string[] = [];
  let positional = false;
  for (const op of keys) {
    if (!OPERATORS.has(op)) {
      throw failedToParse(
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    const arg = u[op];
    if (!isPlainObject(arg)) {
      throw failedToParse(
        `Modifiers operate on fields but we found type ${bsonTypeName(arg)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${bsonTypeName(arg)}}`,
      );
    }
    for (const [path, value] of Object.entries(arg)) {
      validateOperand(op, path, value);
      if (path.includes('$')) positional = true;
      paths.push(path);
      if (op === '$rename') paths.push(value as string);
    }
    compiled[op] = arg;
  }
  checkConflicts(paths);
  return { kind: 'operators', ops: compiled, positional };
}

function validateOperand(op: string, path: string, value: unknown): void {
  if (path === '' || path.startsWith('.') || path.endsWith('.') || path.includes('..')) {
    throw new MongoCommandError(56, `An empty update path is not valid.`, {}, 'EmptyFieldName');
  }
  if (path.startsWith('$')) {
    throw new MongoCommandError(
      ErrorCode.DollarPrefixedFieldName,
      `The dollar ($) prefixed field '${path}' in '${path}' is not valid for storage.`,
    );
  }
  const show = () => `{${path}: ${formatValue(value)}}`;
  switch (op) {
    case '$inc':
    case '$mul':
      if (toNumber(value) === undefined) {
        throw new MongoCommandError(
          ErrorCode.TypeMismatch,
          `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: ${show()}`,
        );
      }
      break;
    case '$pop': {
      const n = toNumber(value);
      if (n !== 1 && n !== -1) throw failedToParse(`$pop expects 1 or -1, found: ${formatValue(value)}`);
      break;
    }
    case '$rename':
      if (typeof value !== 'string') throw badValue(`The 'to' field for $rename must be a string: ${show()}`);
      if (value === path) throw badValue(`The source and target field for $rename must differ: ${show()}`);
      if (path.includes('$') || value.includes('$'))
        throw badValue(`The source and target field for $rename must not contain '$'`);
      break;
    case '$currentDate':
      if (
        value !== true &&
        !(isPlainObject(value) && (value.$type === 'date' || value.$type === 'timestamp'))
      ) {
        throw badValue(
          `${formatValue(value)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      }
      break;
    case '$pullAll':
      if (!Array.isArray(value))
        throw badValue(`$pullAll requires an array argument but was given a ${bsonTypeName(value)}`);
      break;
  }
}

const badValue = (m: string) => new MongoCommandError(ErrorCode.BadValue, m);

/** Two paths conflict when one is a prefix of the other (segment-wise), as in mongod's update tree. */
function checkConflicts(paths: string[]): void {
  if (paths.length < 2) return;
  const sorted = paths
    .map((p) => ({ p, s: p.split('.') }))
    .sort((a, b) => (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      const [short, long] = a.s.length <= b.s.length ? [a, b] : [b, a];
      if (short.s.every((seg, k) => seg === long.s[k])) {
        throw new MongoCommandError(
          ErrorCode.ConflictingUpdateOperators,
          `Updating the path '${long.p}' would create a conflict at '${short.p}'`,
        );
      }
    }
  }
}

/** A value the way mongod prints it in error messages (close enough for humans and tests). */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(', ')} ]`;
  if (isPlainObject(v)) {
    const inner = Object.entries(v).map(([k, x]) => `${k}: ${formatValue(x)}`);
    return inner.length ? `{ ${inner.join(', ')} }` : '{}';
  }
  return String(v);
}
