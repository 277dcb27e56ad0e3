/**
 * Where the simulated cloud keeps its machines. The driver depends on this interface only; the MongoDB
 * implementation (lib/db/sim-store.ts) makes the simulation survive restarts and work across Lambda
 * invocations, as a real cloud's state would.
 */
import type { SimMachine } from './world.js';

export interface SimStore {
  list(): Promise<SimMachine[]>;
  get(externalId: string): Promise<SimMachine | undefined>;
  put(machine: SimMachine): Promise<void>;
  putMany(machines: SimMachine[]): Promise<void>;
  /** Whether the initial fleet was created (so an emptied cloud is not re-seeded). */
  isSeeded(): Promise<boolean>;
  markSeeded(): Promise<void>;
}
