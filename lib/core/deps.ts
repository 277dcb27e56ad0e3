import type { Db } from 'mongodb';
import { getMongo } from '../db/client.js';
import { ensureIndexes } from '../db/collections.js';

/** What every service needs: the org's database and the clock (injected, so tests never sleep). */
export interface ServiceDeps {
  db: Db;
  now: () => Date;
}

export type DepsProvider = () => Promise<ServiceDeps>;

/** The functions' provider: the container's shared MongoDB connection and the wall clock. */
export const productionDeps: DepsProvider = async () => {
  const { db } = await getMongo();
  await ensureIndexes(db);
  return { db, now: () => new Date() };
};
