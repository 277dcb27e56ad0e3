/**
 * Command errors carry mongod's code AND codeName (apps and libraries switch on either), and arrive as
 * MongoServerError. Write errors (insert/update/delete) are covered in their own files.
 */
import { Long, MongoServerError } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/mongo.js';
import { type Loose, serverError } from './support.js';

describe('command error shapes', () => {
  const t = useTestDatabase('errs');

  beforeAll(async () => {
    await t.db.collection<Loose>('base').insertMany([
      { _id: 1, n: 1, s: 'x' },
      { _id: 2, n: 2, s: 'y' },
    ]);
    await t.db.collection<Loose>('base').createIndex({ n: 1 }, { unique: true });
    await t.db.collection<Loose>('other').insertOne({ _id: 1 });
  });

  const cases: Array<[string, number, string, () => Promise<unknown>]> = [
    [
      'listIndexes on a missing collection',
      26,
      'NamespaceNotFound',
      () => t.db.collection('nope').listIndexes().toArray(),
    ],
    ['dropIndex of an unknown index', 27, 'IndexNotFound', () => t.db.collection('base').dropIndex('zzz_1')],
    [
      'getMore on an unknown cursor',
      43,
      'CursorNotFound',
      () => t.db.command({ getMore: Long.fromNumber(987654321), collection: 'base' }),
    ],
    [
      'renameCollection onto an existing collection',
      48,
      'NamespaceExists',
      () => t.db.collection('base').rename('other'),
    ],
    ['an unknown command', 59, 'CommandNotFound', () => t.db.command({ nimboNoSuchCommand: 1 })],
    ['dropping the _id index', 72, 'InvalidOptions', () => t.db.collection('base').dropIndex('_id_')],
    [
      'the same index keys under another name',
      85,
      'IndexOptionsConflict',
      () => t.db.collection('base').createIndex({ n: 1 }, { unique: true, name: 'n_again' }),
    ],
    [
      'another key pattern under an existing index name',
      86,
      'IndexKeySpecsConflict',
      () => t.db.collection('base').createIndex({ s: 1 }, { name: 'n_1' }),
    ],
    [
      'a unique index build over duplicate values',
      11000,
      'DuplicateKey',
      async () => {
        await t.db.collection('dups').insertMany([{ v: 1 }, { v: 1 }]);
        return t.db.collection('dups').createIndex({ v: 1 }, { unique: true });
      },
    ],
    [
      'findOneAndUpdate onto a taken unique key',
      11000,
      'DuplicateKey',
      () => t.db.collection<Loose>('base').findOneAndUpdate({ _id: 2 }, { $set: { n: 1 } }),
    ],
    [
      'findOneAndUpdate with $inc on a string',
      14,
      'TypeMismatch',
      () => t.db.collection<Loose>('base').findOneAndUpdate({ _id: 1 }, { $inc: { s: 1 } }),
    ],
    [
      'an unknown aggregation stage',
      40324,
      'Location40324',
      () =>
        t.db
          .collection('base')
          .aggregate([{ $nimbo: {} }])
          .toArray(),
    ],
    [
      'a projection mixing inclusion and exclusion',
      31254,
      'Location31254',
      () =>
        t.db
          .collection('base')
          .find({}, { projection: { n: 1, s: 0 } })
          .toArray(),
    ],
  ];

  it.each(cases)('%s answers code %i (%s)', async (_label, code, codeName, run) => {
    const error = await serverError(run());
    expect(error).toBeInstanceOf(MongoServerError);
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code, codeName });
    expect(error.message.length).toBeGreaterThan(0);
  });
});
