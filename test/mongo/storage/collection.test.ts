import { describe, expect, it } from 'vitest';
import { openStorage } from '../../../local/mongo/storage/index.js';

async function users() {
  const engine = await openStorage({});
  const c = engine.ensureCollection('app', 'users');
  return { engine, c };
}

describe('collection basics', () => {
  it('keeps documents in insertion order and finds them by _id', async () => {
    const { c } = await users();
    c.insert({ _id: 2, n: 'b' });
    c.insert({ _id: 1, n: 'a' });
    expect([...c.all()].map((d) => d._id)).toEqual([2, 1]);
    expect(c.findById(1)?.n).toBe('a');
    expect(c.findById(1.0)?.n).toBe('a');
    expect(c.count()).toBe(2);
  });

  it('rejects a unique violation with mongod’s message and leaves the collection intact', async () => {
    const { c } = await users();
    c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
    c.insert({ _id: 1, email: 'a@x' });
    let err: unknown;
    try {
      c.insert({ _id: 2, email: 'a@x' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 11000,
      message: 'E11000 duplicate key error collection: app.users index: email_1 dup key: { email: "a@x" }',
      extra: { keyPattern: { email: 1 }, keyValue: { email: 'a@x' } },
    });
    expect(c.count()).toBe(1);
    expect(c.findById(2)).toBeUndefined();
  });
});
