/** TTL monitor: like mongod's, a periodic sweep removes documents whose TTL index says they expired. */
import type { StorageEngine } from './storage/types.js';

export function startTtlSweeper(
  storage: StorageEngine,
  intervalMs: number,
  log: (line: string) => void,
): () => void {
  const timer = setInterval(() => sweepExpired(storage, log), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function sweepExpired(storage: StorageEngine, log: (line: string) => void = () => {}): number {
  let removed = 0;
  try {
    const now = new Date();
    for (const db of storage.listDatabases()) {
      for (const info of storage.listCollections(db)) {
        const coll = storage.getCollection(db, info.name);
        if (coll?.listIndexes().some((i) => i.expireAfterSeconds !== undefined)) removed += coll.expire(now);
      }
    }
    if (removed > 0) storage.flush();
  } catch (err) {
    log(`TTL sweep failed: ${(err as Error).message}`);
  }
  return removed;
}
