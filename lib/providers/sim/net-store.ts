/**
 * Where the simulated cloud keeps its DNS zones (records inside), pending DNS changes, networks and
 * subnets: one small keyed store per cloud. The MongoDB implementation is lib/db/sim-net-store.ts.
 */
import type { ProviderRecord, ProviderZone } from '../dns.js';
import type { ProviderNetwork, ProviderSubnet } from '../network.js';

export interface SimZone extends ProviderZone {
  records: ProviderRecord[];
}

export interface SimChange {
  id: string;
  submittedAt: Date;
}

export interface SimNetKinds {
  zone: SimZone;
  change: SimChange;
  network: ProviderNetwork;
  subnet: ProviderSubnet;
}

export type SimNetKind = keyof SimNetKinds;

export interface SimNetStore {
  list<K extends SimNetKind>(kind: K): Promise<Array<SimNetKinds[K]>>;
  get<K extends SimNetKind>(kind: K, id: string): Promise<SimNetKinds[K] | undefined>;
  put<K extends SimNetKind>(kind: K, id: string, value: SimNetKinds[K]): Promise<void>;
  remove(kind: SimNetKind, id: string): Promise<void>;
}
