/**
 * Starts the embedded MongoDB-compatible server once for the whole run (in memory, free loopback port),
 * unless MONGODB_URI points at a real MongoDB: then every test runs against that one instead.
 */
import type { TestProject } from 'vitest/node';
import { startMongoServer } from '../../local/mongo/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoIsEmbedded: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    project.provide('mongoIsEmbedded', false);
    return async () => {};
  }
  // No TTL sweeps in the shared server: tests run on fixed past clocks, so what they write with a
  // retention (runs, jobs, audit) is already expired by the wall clock, and a sweep landing mid-test
  // deleted it (schedules-runs, seen once). The sweeper itself is tested on servers of its own.
  const server = await startMongoServer({ host: '127.0.0.1', port: 0, ttlSweepMs: 24 * 60 * 60 * 1000 });
  project.provide('mongoUri', server.uri);
  project.provide('mongoIsEmbedded', true);
  return () => server.close();
}
