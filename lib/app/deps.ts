import type { DepsProvider } from '../core/deps.js';
import { getMongo } from '../db/client.js';
import { ensureIndexes } from '../db/collections.js';

/** The functions' provider: the container's shared MongoDB connection and the wall clock. */
export const productionDeps: DepsProvider = async () => {
  const { db } = await getMongo();
  await ensureIndexes(db);
  return { db, now: () => new Date() };
};
