import type { Long } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { CursorRegistry, MAX_OPEN_CURSORS } from '../../../local/mongo/cursors.js';

describe('the cursor registry', () => {
  const registries: CursorRegistry[] = [];
  const registry = () => {
    const r = new CursorRegistry();
    registries.push(r);
    return r;
  };
  afterEach(() => {
    for (const r of registries.splice(0)) r.close();
  });

  const docs = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ _id: i, name: `n${i}`, big: 'x'.repeat(100) }));

  it('shapes each batch as it leaves, never the whole result up front', () => {
    const r = registry();
    const shaped: number[] = [];
    const shape = (batch: Array<Record<string, unknown>>) => {
      shaped.push(batch.length);
      return batch.map((d) => ({ _id: d._id }));
    };
    const first = r.open('db.c', docs(250), 100, false, shape);
    expect(first.batch[0]).toEqual({ _id: 0 });
    expect(shaped).toEqual([100]);
    const second = r.getMore(first.id, 'db.c', 100);
    expect(second.batch).toHaveLength(100);
    expect(shaped).toEqual([100, 100]);
  });

  it('drops the least recently used cursors beyond the limit, whose getMore then answers 43', () => {
    const r = registry();
    const ids: Long[] = [];
    for (let i = 0; i <= MAX_OPEN_CURSORS; i++) ids.push(r.open('db.c', docs(3), 1).id);
    expect(r.size).toBe(MAX_OPEN_CURSORS);
    expect(() => r.getMore(ids[0]!, 'db.c', 1)).toThrow(expect.objectContaining({ code: 43 }));
    expect(r.getMore(ids[MAX_OPEN_CURSORS]!, 'db.c', 1).batch).toHaveLength(1);
  });
});
