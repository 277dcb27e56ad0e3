/**
 * The simulated clouds' DNS and network state in MongoDB: one document per zone, change, network or
 * subnet, keyed by cloud and kind. Like sim_machines, it is the simulated provider's state, never
 * Nimbo's inventory.
 */
import type { Db } from 'mongodb';
import type { SimNetKind, SimNetKinds, SimNetStore } from '../providers/sim/net-store.js';

interface SimNetDoc {
  _id: string;
  cloudId: string;
  kind: SimNetKind;
  value: unknown;
}

export class MongoSimNetStore implements SimNetStore {
  constructor(
    private readonly db: Db,
    private readonly cloudId: string,
  ) {}

  private get docs() {
    return this.db.collection<SimNetDoc>('sim_net');
  }

  private key(kind: SimNetKind, id: string): string {
    return `${this.cloudId}:${kind}:${id}`;
  }

  async list<K extends SimNetKind>(kind: K): Promise<Array<SimNetKinds[K]>> {
    const docs = await this.docs.find({ cloudId: this.cloudId, kind }).sort({ _id: 1 }).toArray();
    return docs.map((d) => d.value as SimNetKinds[K]);
  }

  async get<K extends SimNetKind>(kind: K, id: string): Promise<SimNetKinds[K] | undefined> {
    const doc = await this.docs.findOne({ _id: this.key(kind, id) });
    return doc ? (doc.value as SimNetKinds[K]) : undefined;
  }

  async put<K extends SimNetKind>(kind: K, id: string, value: SimNetKinds[K]): Promise<void> {
    const _id = this.key(kind, id);
    await this.docs.replaceOne({ _id }, { cloudId: this.cloudId, kind, value }, { upsert: true });
  }

  async remove(kind: SimNetKind, id: string): Promise<void> {
    await this.docs.deleteOne({ _id: this.key(kind, id) });
  }
}
