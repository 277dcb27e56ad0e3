import type { Engine, LogSink } from './engine.js';

export function openPersistence(_engine: Engine, dbpath: string, _compactLogBytes: number): LogSink {
  throw new Error(`storage: persistence (dbpath ${dbpath}) is not implemented yet`);
}
