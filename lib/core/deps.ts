import type { Db } from 'mongodb';

/** What every service needs: the org's database and the clock (injected, so tests never sleep). */
export interface ServiceDeps {
  db: Db;
  now: () => Date;
}

export type DepsProvider = () => Promise<ServiceDeps>;
