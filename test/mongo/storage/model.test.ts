/**
 * Model-based test: random inserts/replaces/removes against a plain Map, checking after every step that
 * indexes stay consistent (candidates are a superset of the matches and never stale), that unique
 * violations happen exactly when a brute-force check says so and change nothing, and that the state
 * survives a reopen from disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Document } from 'bson';
import { Query } from 'mingo';
import { afterEach, describe, expect, it } from 'vitest';
import type { Collection } from '../../../local/mongo/storage/collection.js';
import { openStorage } from '../../../local/mongo/storage/index.js';
import { docKeys } from '../../../local/mongo/storage/keys.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Brute force: does `doc` collide with another doc on the sparse unique index over `b`? */
function uniqueConflict(model: Map<number, Document>, doc: Document): boolean {
  if (!('b' in doc)) return false;
  const mine = new Set(docKeys(doc, ['b']).tuples.map((t) => t.key));
  for (const [id, other] of model) {
    if (id === doc._id || !('b' in other)) continue;
    if (docKeys(other, ['b']).tuples.some((t) => mine.has(t.key))) return true;
  }
  return false;
}

describe('storage against a model', () => {
  it('keeps indexes, unique checks and persistence consistent over random operations', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbo-model-'));
    dirs.push(dir);
    const r = rng(7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    let engine = await openStorage({ dbpath: dir, compactLogBytes: 30_000 });
    const c = engine.ensureCollection('m', 'c') as Collection;
    c.createIndex({ name: 'a_1', key: { a: 1 } });
    c.createIndex({ name: 'b_1', key: { b: 1 }, unique: true, sparse: true });
    c.createIndex({ name: 'a_1_c_-1', key: { a: 1, c: -1 } });
    c.createIndex({ name: 'tags_1', key: { tags: 1 } });
    const model = new Map<number, Document>();

    const randomDoc = (id: number): Document => {
      const d: Document = { _id: id, a: pick([0, 1, 2, 3, 'x', null, 1.5]) };
      if (r() < 0.6) d.b = pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'k', [10, 11], [12]]);
      if (r() < 0.7) d.c = pick([0, 1, 2]);
      if (r() < 0.5) d.tags = pick([['t1'], ['t1', 't2'], [], 't3', ['t2', 't2']]);
      return d;
    };
    const queries = (): Document[] => [
      { a: pick([0, 1, 2, 'x', null]) },
      { a: { $gte: pick([0, 1, 2]), $lt: pick([2, 3, 4]) } },
      { a: pick([0, 1]), c: { $gt: pick([0, 1]) } },
      { a: pick([0, 1]), c: pick([0, 1, 2]) },
      { tags: pick(['t1', 't2', 't3']) },
      { b: { $in: [pick([0, 1, 2, 10]), pick([3, 12, 'k'])] } },
      { _id: { $gte: pick([0, 20, 40]) } },
    ];

    let violations = 0;
    for (let step = 0; step < 1500; step++) {
      const id = Math.floor(r() * 60);
      const op = r();
      const before = [...c.all()];
      let failed = false;
      if (op < 0.45) {
        const doc = randomDoc(id);
        const expectDup = model.has(id) || uniqueConflict(model, doc);
        let threw: unknown;
        try {
          c.insert(doc);
        } catch (e) {
          threw = e;
        }
        expect((threw as { code?: number } | undefined)?.code, `insert step ${step}`).toBe(
          expectDup ? 11000 : undefined,
        );
        failed = threw !== undefined;
        if (threw) violations++;
        else model.set(id, doc);
      } else if (op < 0.8) {
        if (!model.has(id)) continue;
        const doc = randomDoc(id);
        const expectDup = uniqueConflict(model, doc);
        let threw: unknown;
        try {
          c.replace(doc);
        } catch (e) {
          threw = e;
        }
        expect((threw as { code?: number } | undefined)?.code, `replace step ${step}`).toBe(
          expectDup ? 11000 : undefined,
        );
        failed = threw !== undefined;
        if (!threw) model.set(id, doc);
      } else {
        expect(c.remove(id)).toBe(model.delete(id));
      }
      if (c.count() !== model.size) throw new Error(`count drift at step ${step}`);
      if (failed) {
        // A failed write leaves exactly the same stored objects behind, in the same order.
        const after = [...c.all()];
        expect(after.length).toBe(before.length);
        for (let i = 0; i < after.length; i++) expect(after[i]).toBe(before[i]);
      }
      for (const q of queries()) {
        const got = [...c.candidates(q)];
        const ids = new Set(got.map((d) => d._id));
        expect(ids.size, `duplicate candidates for ${JSON.stringify(q)}`).toBe(got.length);
        for (const d of got) expect(model.get(d._id as number), 'stale candidate').toBe(d);
        const mq = new Query(q);
        for (const d of model.values()) {
          if (mq.test(d) && !ids.has(d._id)) {
            throw new Error(`step ${step}: missed ${JSON.stringify(d)} for ${JSON.stringify(q)}`);
          }
        }
      }
      if (step % 10 === 0) engine.flush();
    }
    expect(violations).toBeGreaterThan(10);
    expect([...c.all()]).toEqual([...model.values()]);
    engine.flush();
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), '999999999'); // crash, no close
    engine = await openStorage({ dbpath: dir });
    const reopened = engine.getCollection('m', 'c')!;
    expect([...reopened.all()]).toEqual([...model.values()]);
    expect(reopened.listIndexes().map((i) => i.name)).toEqual(['_id_', 'a_1', 'b_1', 'a_1_c_-1', 'tags_1']);
    await engine.close();
  }, 90_000); // thousands of random steps, each checked by brute force: CPU-bound, slower on a busy machine
});
