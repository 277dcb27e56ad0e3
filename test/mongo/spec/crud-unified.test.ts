/**
 * MongoDB's own CRUD specification tests (the unified test format, source/crud/tests/unified/ of
 * mongodb/specifications), run through the official driver against the run's server: the embedded one, or
 * a real MongoDB when MONGODB_URI is set (test/setup/global-mongo.ts).
 *
 * The spec files are test data kept outside the repository, in ../shared/mongo-specs/crud-unified/ (see its
 * README); where that folder is missing (a clean clone elsewhere) the whole file is skipped, saying so.
 *
 * The runner covers the CRUD subset of the format: createEntities (client, database, collection),
 * initialData, collection and database operations, expectResult with the unified matching rules,
 * expectError, outcome and runOnRequirements (against the server's reported version, topology `single`).
 * It does not check expectEvents (command monitoring): a pass means results, errors and collection contents
 * match. Tests it cannot run are skipped with their reason; tests the embedded server still fails are
 * listed in KNOWN_FAILURES with their cause and must keep failing (an unexpected pass fails the run, so the
 * table stays honest). A summary table is printed when the file ends.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Binary, Decimal128, Double, EJSON, Int32, Long, ObjectId } from 'bson';
import {
  type ClientSession,
  type Collection,
  type Db,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

type Doc = Record<string, any>;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPEC_DIR = resolve(repoRoot, '../shared/mongo-specs/crud-unified');
const haveSpecs = existsSync(SPEC_DIR);
const embedded = inject('mongoIsEmbedded');

/**
 * Tests the embedded server still fails, `file: test description` → cause. Checked to still fail on the
 * embedded server only.
 */
const KNOWN_FAILURES: Record<string, string> = {};

/** Features the embedded server leaves out by design (local/mongo's README section). */
const BY_DESIGN = 'unsupported by design';

type Outcome = 'pass' | 'fail' | 'known failure' | 'skip';
const results: { file: string; test: string; outcome: Outcome; reason?: string }[] = [];

function loadSpecs(): { file: string; spec: Doc }[] {
  if (!haveSpecs) return [];
  return readdirSync(SPEC_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      spec: EJSON.parse(readFileSync(resolve(SPEC_DIR, file), 'utf8'), { relaxed: false }),
    }));
}

// ---------------------------------------------------------------- requirements and skip reasons

function versionTuple(v: string): number[] {
  return v.split('.').map((p) => Number.parseInt(p, 10) || 0);
}
function compareVersions(a: string, b: string): number {
  const x = versionTuple(a);
  const y = versionTuple(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Why none of these requirements is met (undefined: one is met, or there are none). */
function unmetRequirements(reqs: Doc[] | undefined, serverVersion: string): string | undefined {
  if (!reqs || reqs.length === 0) return undefined;
  const reasons: string[] = [];
  for (const r of reqs) {
    if (r.minServerVersion && compareVersions(serverVersion, r.minServerVersion) < 0) {
      reasons.push(`needs server ≥ ${r.minServerVersion}`);
    } else if (r.maxServerVersion && compareVersions(serverVersion, r.maxServerVersion) > 0) {
      reasons.push(`needs server ≤ ${r.maxServerVersion}`);
    } else if (r.topologies && !r.topologies.includes('single')) {
      reasons.push(`needs a ${r.topologies.join('/')} topology`);
    } else if (r.serverless === 'require') {
      reasons.push('needs serverless');
    } else if (r.auth === true) {
      reasons.push('needs auth');
    } else if (r.csfle) {
      reasons.push('needs CSFLE');
    } else {
      return undefined;
    }
  }
  return [...new Set(reasons)].join(' or ');
}

function contains(value: unknown, pred: (key: string, v: unknown) => boolean): boolean {
  if (Array.isArray(value)) return value.some((v) => contains(v, pred));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).some(([k, v]) => pred(k, v) || contains(v, pred));
  }
  return false;
}

/** A reason to skip a test the runner or the server cannot run (undefined: run it). */
function skipReason(spec: Doc, test: Doc, serverVersion: string): string | undefined {
  const req =
    unmetRequirements(spec.runOnRequirements, serverVersion) ??
    unmetRequirements(test.runOnRequirements, serverVersion);
  if (req) return req;
  if (test.skipReason) return `the spec skips it: ${test.skipReason}`;
  const ops: Doc[] = test.operations ?? [];
  if (ops.some((o) => o.name === 'failPoint' || o.name === 'targetedFailPoint')) {
    return 'needs failCommand fail points (a mongod test command)';
  }
  if (ops.some((o) => o.name === 'startTransaction' || o.arguments?.session))
    return 'needs sessions/transactions';
  if (contains(ops, (k) => k === 'collation') || contains(spec.initialData, (k) => k === 'collation')) {
    return `collation: ${BY_DESIGN}`;
  }
  if (contains(ops, (k) => k === '$out' || k === '$merge')) return `$out/$merge: ${BY_DESIGN}`;
  if (contains(ops, (k) => k === 'viewOn') || contains(spec.initialData, (k) => k === 'viewOn')) {
    return `views: ${BY_DESIGN}`;
  }
  if (contains(ops, (k) => k === 'validator') || contains(spec.initialData, (k) => k === 'validator')) {
    return `validators: ${BY_DESIGN}`;
  }
  if (ops.some((o) => o.object === 'testRunner'))
    return `runner operation ${ops.find((o) => o.object === 'testRunner')?.name}`;
  const unknown = ops.find((o) => !OPERATIONS.has(o.name));
  if (unknown) return `operation ${unknown.name} not in the runner's CRUD subset`;
  return undefined;
}

// ---------------------------------------------------------------- matching

function isNumber(v: unknown): boolean {
  return (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    v instanceof Int32 ||
    v instanceof Long ||
    v instanceof Double
  );
}
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Long) return v.toNumber();
  return (v as Int32 | Double).valueOf();
}
function isPlainDoc(v: unknown): v is Doc {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function bsonType(v: unknown): string[] {
  if (v === null) return ['null'];
  if (v === undefined) return ['undefined'];
  if (typeof v === 'string') return ['string'];
  if (typeof v === 'boolean') return ['bool'];
  if (v instanceof Int32) return ['int', 'number'];
  if (v instanceof Long || typeof v === 'bigint') return ['long', 'number'];
  if (v instanceof Double) return ['double', 'number'];
  if (typeof v === 'number')
    return Number.isInteger(v) ? ['int', 'long', 'double', 'number'] : ['double', 'number'];
  if (v instanceof Decimal128) return ['decimal', 'number'];
  if (v instanceof ObjectId) return ['objectId'];
  if (v instanceof Date) return ['date'];
  if (v instanceof Binary) return ['binData'];
  if (v instanceof RegExp) return ['regex'];
  if (Array.isArray(v)) return ['array'];
  if (typeof v === 'object') {
    const t = (v as { _bsontype?: string })._bsontype;
    if (t === 'BSONRegExp') return ['regex'];
    if (t === 'Timestamp') return ['timestamp'];
    if (t === 'MinKey') return ['minKey'];
    if (t === 'MaxKey') return ['maxKey'];
    return ['object'];
  }
  return [typeof v];
}

function show(v: unknown): string {
  try {
    return EJSON.stringify(v as Doc, { relaxed: true });
  } catch {
    return String(v);
  }
}

/** Throws a description of the first mismatch between expected (unified matching rules) and actual. */
function match(
  expected: unknown,
  actual: unknown,
  path: string,
  root: boolean,
  entities: Map<string, unknown>,
): void {
  const fail = (why: string) => {
    throw new Error(`${path || '(root)'}: ${why}; expected ${show(expected)}, got ${show(actual)}`);
  };
  if (isPlainDoc(expected)) {
    const keys = Object.keys(expected);
    const op = keys.length === 1 ? (keys[0] as string) : '';
    if (op.startsWith('$$')) {
      const arg = expected[op];
      switch (op) {
        case '$$exists':
          if ((actual !== undefined) !== arg) fail(arg ? 'missing' : 'present');
          return;
        case '$$type': {
          const wanted: string[] = Array.isArray(arg) ? arg : [arg];
          if (actual === undefined || !wanted.some((t) => bsonType(actual).includes(t)))
            fail(`not of type ${wanted}`);
          return;
        }
        case '$$unsetOrMatches':
          if (actual === undefined) return;
          match(arg, actual, path, root, entities);
          return;
        case '$$matchesEntity':
          match(entities.get(arg), actual, path, root, entities);
          return;
        case '$$lte':
          if (!isNumber(actual) || toNumber(actual) > toNumber(arg)) fail('not ≤');
          return;
        default:
          fail(`matching operator ${op} not supported by the runner`);
      }
    }
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) fail('not a document');
    const act = actual as Doc;
    for (const key of keys) {
      const exp = expected[key];
      const sub = path ? `${path}.${key}` : key;
      if (isPlainDoc(exp) && Object.keys(exp).length === 1) {
        if ('$$exists' in exp || '$$unsetOrMatches' in exp) {
          match(exp, act[key], sub, false, entities);
          continue;
        }
      }
      if (!(key in act)) throw new Error(`${sub}: missing; expected ${show(exp)}`);
      match(exp, act[key], sub, false, entities);
    }
    if (!root) {
      const extra = Object.keys(act).filter((k) => !(k in expected));
      if (extra.length > 0) fail(`unexpected field(s) ${extra.join(', ')}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) fail('not an array');
    const act = actual as unknown[];
    if (act.length !== expected.length) fail(`length ${act.length} ≠ ${expected.length}`);
    // The documents of a root-level array (find's result) are root-level documents too.
    expected.forEach((e, i) => {
      match(e, act[i], `${path}[${i}]`, root, entities);
    });
    return;
  }
  if (isNumber(expected)) {
    if (!isNumber(actual) || toNumber(actual) !== toNumber(expected)) fail('numbers differ');
    return;
  }
  if (expected instanceof Decimal128 || expected instanceof ObjectId || expected instanceof Binary) {
    if (bsonType(actual)[0] !== bsonType(expected)[0] || show(actual) !== show(expected))
      fail('values differ');
    return;
  }
  if (expected instanceof Date) {
    if (!(actual instanceof Date) || actual.getTime() !== expected.getTime()) fail('dates differ');
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (show(actual) !== show(expected)) fail('values differ');
    return;
  }
  if (actual !== expected) fail('values differ');
}

// ---------------------------------------------------------------- operations

interface Entities {
  map: Map<string, unknown>;
  client: MongoClient;
  dbName: (name: string) => string;
}

function options(args: Doc, drop: string[]): Doc {
  const out: Doc = {};
  // Numeric options (limit, skip, batchSize, maxTimeMS) as plain numbers: the driver checks their type.
  for (const [k, v] of Object.entries(args)) if (!drop.includes(k)) out[k] = isNumber(v) ? toNumber(v) : v;
  if (typeof out.returnDocument === 'string') out.returnDocument = out.returnDocument.toLowerCase();
  return out;
}

/** The driver's result, shaped as the spec describes results (null upsertedId when nothing was upserted: unset). */
function writeResult(r: Doc): Doc {
  const out: Doc = { ...r };
  if (out.upsertedId === null) delete out.upsertedId;
  return out;
}

function bulkResult(r: Doc): Doc {
  return {
    insertedCount: r.insertedCount,
    matchedCount: r.matchedCount,
    modifiedCount: r.modifiedCount,
    deletedCount: r.deletedCount,
    upsertedCount: r.upsertedCount,
    insertedIds: r.insertedIds,
    upsertedIds: r.upsertedIds,
  };
}

/**
 * The Node driver replaces a null _id with an ObjectId before sending (maybeAddIdToDocuments); with
 * forceServerObjectId it sends the document as it is, so the server's handling of a null _id is what is tested.
 */
function nullIds(docs: (Doc | undefined)[], opts: Doc): Doc {
  return docs.some((d) => d && '_id' in d && d._id === null) ? { ...opts, forceServerObjectId: true } : opts;
}

type Op = (target: Doc, args: Doc) => Promise<unknown>;
const OPERATIONS = new Map<string, Op>([
  ['insertOne', (c, a) => c.insertOne(a.document, nullIds([a.document], options(a, ['document'])))],
  ['insertMany', (c, a) => c.insertMany(a.documents, nullIds(a.documents, options(a, ['documents'])))],
  ['find', (c, a) => c.find(a.filter, options(a, ['filter'])).toArray()],
  ['findOne', (c, a) => c.findOne(a.filter, options(a, ['filter']))],
  ['aggregate', (c, a) => c.aggregate(a.pipeline, options(a, ['pipeline'])).toArray()],
  ['countDocuments', (c, a) => c.countDocuments(a.filter, options(a, ['filter']))],
  ['estimatedDocumentCount', (c, a) => c.estimatedDocumentCount(options(a, []))],
  ['count', (c, a) => c.countDocuments(a.filter ?? {}, options(a, ['filter']))],
  ['distinct', (c, a) => c.distinct(a.fieldName, a.filter, options(a, ['fieldName', 'filter']))],
  [
    'updateOne',
    async (c, a) => writeResult(await c.updateOne(a.filter, a.update, options(a, ['filter', 'update']))),
  ],
  [
    'updateMany',
    async (c, a) => writeResult(await c.updateMany(a.filter, a.update, options(a, ['filter', 'update']))),
  ],
  [
    'replaceOne',
    async (c, a) =>
      writeResult(await c.replaceOne(a.filter, a.replacement, options(a, ['filter', 'replacement']))),
  ],
  ['deleteOne', (c, a) => c.deleteOne(a.filter, options(a, ['filter']))],
  ['deleteMany', (c, a) => c.deleteMany(a.filter, options(a, ['filter']))],
  ['findOneAndUpdate', (c, a) => c.findOneAndUpdate(a.filter, a.update, options(a, ['filter', 'update']))],
  [
    'findOneAndReplace',
    (c, a) => c.findOneAndReplace(a.filter, a.replacement, options(a, ['filter', 'replacement'])),
  ],
  ['findOneAndDelete', (c, a) => c.findOneAndDelete(a.filter, options(a, ['filter']))],
  [
    'bulkWrite',
    async (c, a) =>
      bulkResult(
        await c.bulkWrite(
          a.requests,
          nullIds(
            a.requests.map((r: Doc) => r.insertOne?.document),
            options(a, ['requests']),
          ),
        ),
      ),
  ],
  ['createIndex', (c, a) => c.createIndex(a.keys, options(a, ['keys']))],
  ['dropIndex', (c, a) => c.dropIndex(a.name, options(a, ['name']))],
  ['listIndexes', (c, a) => c.listIndexes(options(a, [])).toArray()],
  ['createCollection', (d, a) => d.createCollection(a.collection, options(a, ['collection']))],
  ['dropCollection', (d, a) => d.dropCollection(a.collection, options(a, ['collection']))],
  ['runCommand', (d, a) => d.command(a.command, options(a, ['command', 'commandName']))],
]);

function isClientError(error: unknown): boolean {
  if (error instanceof MongoBulkWriteError) return false;
  return !(error instanceof MongoServerError);
}

function checkError(expected: Doc, error: unknown, entities: Map<string, unknown>): void {
  const e = error as Doc;
  if (expected.isClientError === true) expect(isClientError(error), `client error: ${e?.message}`).toBe(true);
  if (expected.isClientError === false)
    expect(isClientError(error), `server error: ${e?.message}`).toBe(false);
  if (expected.errorContains !== undefined) {
    expect(String(e?.message).toLowerCase()).toContain(String(expected.errorContains).toLowerCase());
  }
  if (expected.errorCode !== undefined) expect(e?.code, e?.message).toBe(toNumber(expected.errorCode));
  if (expected.errorCodeName !== undefined) expect(e?.codeName, e?.message).toBe(expected.errorCodeName);
  for (const label of expected.errorLabelsContain ?? []) expect(e?.hasErrorLabel?.(label)).toBe(true);
  for (const label of expected.errorLabelsOmit ?? []) expect(e?.hasErrorLabel?.(label) ?? false).toBe(false);
  if (expected.expectResult !== undefined) {
    const partial =
      error instanceof MongoBulkWriteError ? bulkResult(error.result as unknown as Doc) : e?.result;
    match(expected.expectResult, partial, '', true, entities);
  }
}

async function runOperation(op: Doc, ents: Entities): Promise<void> {
  const target = ents.map.get(op.object) as Doc | undefined;
  if (!target) throw new Error(`unknown entity ${op.object}`);
  const fn = OPERATIONS.get(op.name);
  if (!fn) throw new Error(`operation ${op.name} not supported`);
  let result: unknown;
  let error: unknown;
  try {
    result = await fn(target, op.arguments ?? {});
  } catch (caught) {
    error = caught;
  }
  if (op.expectError) {
    if (error === undefined) throw new Error(`${op.name}: expected an error, got ${show(result)}`);
    checkError(op.expectError, error, ents.map);
    return;
  }
  if (error !== undefined) throw error;
  if (op.expectResult !== undefined) match(op.expectResult, result, '', true, ents.map);
  if (op.saveResultAsEntity) ents.map.set(op.saveResultAsEntity, result);
}

function createEntities(defs: Doc[], client: MongoClient, dbName: (n: string) => string): Entities {
  const map = new Map<string, unknown>();
  for (const def of defs ?? []) {
    if (def.client) map.set(def.client.id, client);
    else if (def.database) {
      map.set(def.database.id, client.db(dbName(def.database.databaseName), def.database.databaseOptions));
    } else if (def.collection) {
      const db = map.get(def.collection.database) as Db;
      map.set(
        def.collection.id,
        db.collection(def.collection.collectionName, def.collection.collectionOptions),
      );
    } else if (def.session) {
      map.set(def.session.id, client.startSession() as ClientSession);
    }
  }
  return { map, client, dbName };
}

async function loadInitialData(client: MongoClient, data: Doc[] | undefined, dbName: (n: string) => string) {
  for (const d of data ?? []) {
    const db = client.db(dbName(d.databaseName));
    await db.dropCollection(d.collectionName).catch(() => {});
    await db.createCollection(d.collectionName, d.createOptions ?? {});
    if (d.documents.length > 0) await db.collection(d.collectionName).insertMany(d.documents);
  }
}

async function checkOutcome(client: MongoClient, outcome: Doc[] | undefined, ents: Entities): Promise<void> {
  for (const o of outcome ?? []) {
    const coll: Collection<Doc> = client.db(ents.dbName(o.databaseName)).collection(o.collectionName);
    const docs = await coll.find({}, { sort: { _id: 1 } }).toArray();
    match(o.documents, docs, `${o.databaseName}.${o.collectionName}`, false, ents.map);
  }
}

// ---------------------------------------------------------------- the run

const specs = loadSpecs();
const started = performance.now();

describe.skipIf(!haveSpecs)(`MongoDB CRUD unified spec tests (${haveSpecs ? SPEC_DIR : 'missing'})`, () => {
  let client: MongoClient;
  let serverVersion = '7.0.0';
  const usedDbs = new Set<string>();

  beforeAll(async () => {
    client = new MongoClient(inject('mongoUri'), { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    serverVersion = String(info.version);
  });

  afterAll(async () => {
    for (const name of usedDbs)
      await client
        ?.db(name)
        .dropDatabase()
        .catch(() => {});
    await client?.close();
    printTable(performance.now() - started);
  });

  specs.forEach(({ file, spec }, index) => {
    const name = file.replace(/\.json$/, '');
    // One database per spec file: the file's database names, prefixed with its index (admin stays admin).
    const dbName = (n: string) => {
      if (n === 'admin') return n;
      const mapped = `cu${index}_${n}`.slice(0, 60);
      usedDbs.add(mapped);
      return mapped;
    };
    describe(name, () => {
      for (const test of spec.tests as Doc[]) {
        const key = `${name}: ${test.description}`;
        const known = embedded ? KNOWN_FAILURES[key] : undefined;
        // Requirements are known once the server answered; the skip decision is taken inside the test.
        const body = async (ctx: { skip: (note?: string) => void }) => {
          const reason = skipReason(spec, test, serverVersion);
          if (reason) {
            results.push({ file: name, test: test.description, outcome: 'skip', reason });
            ctx.skip(reason);
            return;
          }
          try {
            await loadInitialData(client, spec.initialData, dbName);
            const ents = createEntities(spec.createEntities, client, dbName);
            for (const op of test.operations) await runOperation(op, ents);
            await checkOutcome(client, test.outcome, ents);
          } catch (error) {
            results.push({
              file: name,
              test: test.description,
              outcome: known ? 'known failure' : 'fail',
              reason: known,
            });
            throw error;
          }
          results.push({ file: name, test: test.description, outcome: 'pass' });
          if (known)
            throw new Error(`listed in KNOWN_FAILURES (${known}) but passes: remove it from the table`);
        };
        if (known) {
          it(`${test.description} [known failure: ${known}]`, async (ctx) => {
            await expect(body(ctx)).rejects.toThrow();
            const last = results.at(-1);
            if (last?.outcome === 'pass') throw new Error(`listed in KNOWN_FAILURES (${known}) but passes`);
          });
        } else {
          it(test.description, body);
        }
      }
    });
  });
});

if (!haveSpecs) {
  describe('MongoDB CRUD unified spec tests', () => {
    it.skip(`spec files not found at ${SPEC_DIR} (see the README of ../shared/mongo-specs)`, () => {});
  });
}

function printTable(ms: number): void {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const lines = [
    `MongoDB CRUD unified spec tests against ${embedded ? 'the embedded server' : 'MONGODB_URI'}: ${specs.length} files, ${results.length} tests, ${(ms / 1000).toFixed(1)} s`,
    `  pass ${count('pass')}  fail ${count('fail')}  known failure ${count('known failure')}  skip ${count('skip')}`,
  ];
  const byReason = new Map<string, number>();
  for (const r of results) {
    if (r.outcome === 'skip' && r.reason) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  }
  lines.push('  skipped, by reason:');
  for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1]))
    lines.push(`    ${String(n).padStart(4)}  ${reason}`);
  for (const o of ['fail', 'known failure'] as const) {
    const rows = results.filter((r) => r.outcome === o);
    if (rows.length > 0) lines.push(`  ${o}:`);
    for (const r of rows) lines.push(`    ${r.file}: ${r.test}${r.reason ? `  (${r.reason})` : ''}`);
  }
  console.log(lines.join('\n'));
}
