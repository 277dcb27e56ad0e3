/**
 * `npm run bench -- mongo [--runs N] [--uri [URI]]`: throughput of the embedded MongoDB-compatible server through the
 * official driver. By default the server runs in this process, in memory, on 127.0.0.1 (so the RSS figures
 * cover driver + server together). `--uri` (or `--uri` with MONGODB_URI set) measures another server instead;
 * only loopback hosts are accepted.
 *
 * Target: 10,000 upserts through bulkWrite on a unique-indexed key (half updates, half inserts) in under 2 s.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { type AnyBulkWriteOperation, type Db, type Document, MongoClient } from 'mongodb';
import { startMongoServer } from '../local/mongo/server.js';

interface Row {
  name: string;
  ops: number;
  ms: number;
  note?: string;
}

const UPSERT_TARGET_MS = 2_000;

function parseArgs(args: string[]): { uri?: string; runs: number } {
  const r = args.indexOf('--runs');
  const runs = r === -1 ? 3 : Number(args[r + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
  const i = args.indexOf('--uri');
  if (i === -1) return { runs };
  const value = args[i + 1] && !args[i + 1]!.startsWith('--') ? args[i + 1] : process.env.MONGODB_URI;
  if (!value) throw new Error('--uri needs a value or MONGODB_URI');
  return { uri: value, runs };
}

function assertLoopback(uri: string): void {
  const hosts =
    uri
      .replace(/^mongodb(\+srv)?:\/\//, '')
      .replace(/^[^@]*@/, '')
      .split(/[/?]/)[0] ?? '';
  for (const host of hosts.split(',')) {
    const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!['127.0.0.1', 'localhost', '::1'].includes(name)) {
      throw new Error(`refusing to benchmark a non-loopback host (${name}); only 127.0.0.1 is allowed`);
    }
  }
}

/** Samples RSS every 25 ms; `peak()` is the largest sample, `maxRss()` the kernel's high-water mark (bytes). */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  timer.unref();
  return {
    peak: () => Math.max(peak, process.memoryUsage().rss),
    maxRss: () => process.resourceUsage().maxRSS * 1024,
    stop: () => clearInterval(timer),
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

function doc(i: number): Document {
  return {
    key: `k${i}`,
    email: `user${i}@example.com`,
    n: i % 100,
    name: `User number ${i}`,
    tags: ['a', `t${i % 10}`],
    createdAt: new Date(1_700_000_000_000 + i * 1000),
    payload: 'x'.repeat(100),
  };
}

function upserts(count: number): AnyBulkWriteOperation<Document>[] {
  return Array.from({ length: count }, (_, i) => ({
    updateOne: {
      filter: { key: `k${i}` },
      update: { $set: { seen: true, n: i }, $setOnInsert: { createdAt: new Date() } },
      upsert: true,
    },
  }));
}

async function upsertBench(db: Db, collName: string, unique: boolean): Promise<Row> {
  const coll = db.collection(collName);
  await coll.createIndex({ key: 1 }, { unique });
  await coll.insertMany(Array.from({ length: 5_000 }, (_, i) => doc(i)));
  const ops = upserts(10_000);
  const { ms, value } = await timed(() => coll.bulkWrite(ops, { ordered: false }));
  const ok = value.matchedCount === 5_000 && value.upsertedCount === 5_000;
  return {
    name: `bulkWrite 10k upserts, ${unique ? 'unique' : 'non-unique'} indexed key (5k upd + 5k ins)`,
    ops: 10_000,
    ms,
    note: ok ? undefined : `WRONG RESULT matched=${value.matchedCount} upserted=${value.upsertedCount}`,
  };
}

function median(rows: Row[]): Row {
  const sorted = [...rows].sort((a, b) => a.ms - b.ms);
  return { ...sorted[Math.floor(sorted.length / 2)]! };
}

function spread(rows: Row[]): string {
  if (rows.length < 2) return '';
  const ms = rows.map((r) => r.ms);
  return `; median of ${rows.length}, min ${fmt(Math.min(...ms))} max ${fmt(Math.max(...ms))}`;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(rows: Row[]): void {
  const header = ['benchmark', 'ops', 'total ms', 'ops/s', 'note'];
  const body = rows.map((r) => [r.name, fmt(r.ops), fmt(r.ms, 1), fmt((r.ops / r.ms) * 1000), r.note ?? '']);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

export default async function mongoBench(args: string[]): Promise<boolean> {
  const { uri: externalUri, runs } = parseArgs(args);
  const rss = rssSampler();
  const server = externalUri ? undefined : await startMongoServer({ host: '127.0.0.1', port: 0 });
  const uri = externalUri ?? server!.uri;
  assertLoopback(uri);
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  const dbName = `nimbo_bench_${randomBytes(4).toString('hex')}`;
  const rows: Row[] = [];
  let upsertMs = Number.POSITIVE_INFINITY;
  let upsertCorrect = false;
  try {
    await client.connect();
    const db = client.db(dbName);
    console.log(
      `mongo benchmark against ${externalUri ? uri : `embedded in-process server ${uri} (in memory)`}`,
    );
    const load = loadavg().map((l) => l.toFixed(2));
    console.log(
      `node ${process.version}, ${cpus().length} CPUs, load average ${load.join(' ')}, database ${dbName}\n`,
    );

    // Warm-up: JIT, connection pool, first-collection costs, the upsert path.
    const warm = db.collection('warmup');
    await warm.createIndex({ key: 1 }, { unique: true });
    await warm.insertMany(Array.from({ length: 1_000 }, (_, i) => doc(i)));
    await warm.bulkWrite(upserts(2_000), { ordered: false });
    await warm.find().toArray();
    await warm.drop();

    // 1. insertMany 10k.
    const docs = Array.from({ length: 10_000 }, (_, i) => doc(i));
    const ins = await timed(() => db.collection('insert10k').insertMany(docs));
    rows.push({ name: 'insertMany 10k docs', ops: 10_000, ms: ins.ms });

    // 2/3. bulkWrite upserts on a unique and on a non-unique indexed key: the median of `runs` runs,
    // each on a fresh collection (the target is judged on the median).
    const uniqueRuns: Row[] = [];
    for (let r = 0; r < runs; r++) uniqueRuns.push(await upsertBench(db, `upsert_unique_${r}`, true));
    const uniqueRow = median(uniqueRuns);
    upsertMs = uniqueRow.ms;
    upsertCorrect = uniqueRuns.every((row) => row.note === undefined);
    uniqueRow.note = `${upsertCorrect && upsertMs < UPSERT_TARGET_MS ? 'PASS' : 'FAIL'} (target < ${fmt(UPSERT_TARGET_MS)} ms)${spread(uniqueRuns)}${upsertCorrect ? '' : `; ${uniqueRuns.find((row) => row.note)?.note}`}`;
    rows.push(uniqueRow);
    const plainRuns: Row[] = [];
    for (let r = 0; r < runs; r++) plainRuns.push(await upsertBench(db, `upsert_nonunique_${r}`, false));
    const plainRow = median(plainRuns);
    plainRow.note = `${plainRow.note ? `${plainRow.note}; ` : ''}${spread(plainRuns).replace(/^; /, '')}`;
    rows.push(plainRow);

    // 4. 1,000 findOne by an indexed field over 100k documents.
    const big = db.collection('find100k');
    await big.createIndex({ email: 1 });
    for (let start = 0; start < 100_000; start += 10_000) {
      await big.insertMany(Array.from({ length: 10_000 }, (_, i) => doc(start + i)));
    }
    let found = 0;
    const lookups = await timed(async () => {
      for (let i = 0; i < 1_000; i++) {
        const n = (i * 7919) % 100_000;
        if (await big.findOne({ email: `user${n}@example.com` })) found++;
      }
    });
    rows.push({
      name: '1,000 x findOne by indexed field (100k docs)',
      ops: 1_000,
      ms: lookups.ms,
      note: found === 1_000 ? undefined : `WRONG RESULT found ${found}/1000`,
    });

    // 5. find all 10k (toArray).
    const all = await timed(() => db.collection('insert10k').find().toArray());
    rows.push({
      name: 'find all 10k docs (toArray)',
      ops: 10_000,
      ms: all.ms,
      note: all.value.length === 10_000 ? undefined : `WRONG RESULT ${all.value.length}`,
    });

    // Extras that show the per-round-trip cost and an aggregation.
    const single = db.collection('insertOne1k');
    const one = await timed(async () => {
      for (let i = 0; i < 1_000; i++) await single.insertOne(doc(i));
    });
    rows.push({ name: '1,000 x insertOne (sequential round trips)', ops: 1_000, ms: one.ms });
    const agg = await timed(() =>
      db
        .collection('insert10k')
        .aggregate([{ $group: { _id: '$n', c: { $sum: 1 } } }])
        .toArray(),
    );
    rows.push({
      name: 'aggregate $group over 10k docs',
      ops: 10_000,
      ms: agg.ms,
      note: `${agg.value.length} groups`,
    });

    printTable(rows);
    const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;
    console.log(
      `\npeak RSS (sampled every 25 ms): ${mb(rss.peak())}; maxRSS (kernel high-water mark): ${mb(rss.maxRss())}`,
    );
    if (!externalUri) console.log('(the server runs in this process: RSS covers driver and server together)');
  } finally {
    rss.stop();
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client.close();
    await server?.close();
  }
  const pass = upsertCorrect && upsertMs < UPSERT_TARGET_MS;
  console.log(
    `\n${pass ? 'PASS' : 'FAIL'}: 10k upserts on a unique-indexed key took ${fmt(upsertMs, 1)} ms (target < ${fmt(UPSERT_TARGET_MS)} ms)`,
  );
  return pass;
}
