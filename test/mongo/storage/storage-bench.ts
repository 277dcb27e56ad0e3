/**
 * Micro-benchmark of the storage engine alone (no wire, no driver): `npx tsx test/mongo/storage/storage-bench.ts`.
 * Prints the cost of the operations the end-to-end benchmark leans on, so storage's share can be judged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObjectId } from 'bson';
import { openStorage } from '../../../local/mongo/storage/index.js';

function time(label: string, fn: () => unknown): void {
  const t = performance.now();
  fn();
  console.log(`${label.padEnd(58)} ${(performance.now() - t).toFixed(1).padStart(8)} ms`);
}

const engine = await openStorage({});

const a = engine.ensureCollection('bench', 'a');
a.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
a.createIndex({ name: 'org_1', key: { org: 1 } });
time('insert 10k docs, unique + non-unique index', () => {
  for (let i = 0; i < 10_000; i++) a.insert({ _id: new ObjectId(), email: `u${i}@x`, org: i % 50, n: i });
});
time('10k upserts by unique key (half replace, half insert)', () => {
  for (let i = 5_000; i < 15_000; i++) {
    const [hit] = a.candidates({ email: `u${i}@x` });
    if (hit) a.replace({ ...hit, n: -i });
    else a.insert({ _id: new ObjectId(), email: `u${i}@x`, org: i % 50, n: i });
  }
});
time('iterate all 15k (all())', () => {
  let n = 0;
  for (const _ of a.all()) n++;
  return n;
});
time('1000 range queries {n: {$gte, $lt}} (100 docs each)', () => {
  for (let i = 0; i < 1000; i++) for (const _ of a.candidates({ n: { $gte: i, $lt: i + 100 } }));
});
a.createIndex({ name: 'n_1', key: { n: 1 } });
time('1000 range queries on an index over n', () => {
  for (let i = 0; i < 1000; i++) for (const _ of a.candidates({ n: { $gte: i, $lt: i + 100 } }));
});

const b = engine.ensureCollection('bench', 'b');
b.createIndex({ name: 'cat_1', key: { cat: 1 } });
time('insert 100k docs, one non-unique index', () => {
  for (let i = 0; i < 100_000; i++) b.insert({ _id: i, cat: i % 1000, s: 'x' });
});
time('1000 equality lookups by non-unique field (100 hits each)', () => {
  let n = 0;
  for (let i = 0; i < 1000; i++) for (const _ of b.candidates({ cat: i })) n++;
  if (n !== 100_000) throw new Error(`expected 100000 hits, got ${n}`);
});
time('1000 $in lookups (3 values)', () => {
  for (let i = 0; i < 1000; i++) for (const _ of b.candidates({ cat: { $in: [i, i + 1, i + 2] } }));
});
time('dataSize() over 100k (first call sizes every doc)', () => b.dataSize());
time('dataSize() again', () => b.dataSize());

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbo-bench-'));
const disk = await openStorage({ dbpath: dir });
const d = disk.ensureCollection('bench', 'd');
d.createIndex({ name: 'k_1', key: { k: 1 }, unique: true });
time('persistent: 10k inserts + one flush', () => {
  for (let i = 0; i < 10_000; i++) d.insert({ _id: i, k: `k${i}`, pad: 'p'.repeat(50) });
  disk.flush();
});
time('persistent: 200 x (insert + flush with fdatasync)', () => {
  for (let i = 10_000; i < 10_200; i++) {
    d.insert({ _id: i, k: `k${i}` });
    disk.flush();
  }
});
let t = performance.now();
await disk.close();
console.log(
  `${'persistent: close (snapshot of 10.2k docs)'.padEnd(58)} ${(performance.now() - t).toFixed(1).padStart(8)} ms`,
);
t = performance.now();
const again = await openStorage({ dbpath: dir });
console.log(`${'persistent: reopen'.padEnd(58)} ${(performance.now() - t).toFixed(1).padStart(8)} ms`);
await again.close();
fs.rmSync(dir, { recursive: true, force: true });
