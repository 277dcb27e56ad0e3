/**
 * Entry point of the storage engine: `openStorage({dbpath?})`. Without dbpath everything lives in memory
 * and flush() is a no-op; with it, see persistence.ts (write-ahead log + snapshot, crash-safe on flush()).
 */
import { Engine } from './engine.js';
import type { StorageEngine, StorageOptions } from './types.js';

export type * from './types.js';

export async function openStorage(options: StorageOptions = {}): Promise<StorageEngine> {
  const engine = new Engine();
  if (options.dbpath !== undefined) {
    const { openPersistence } = await import('./persistence.js');
    engine.sink = openPersistence(
      engine,
      options.dbpath,
      options.compactLogBytes ?? 64 * 1024 * 1024,
      options.bson ?? {},
    );
  }
  return engine;
}
