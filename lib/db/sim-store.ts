/**
 * The simulated clouds' state in MongoDB: one document per simulated machine, keyed by cloud. It belongs
 * to the simulated provider, not to Nimbo's inventory: Nimbo learns about these machines only by polling.
 */
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import type { SimStore } from '../providers/sim/store.js';
import type { SimMachine } from '../providers/sim/world.js';

interface SimMachineDoc extends SimMachine {
  _id: string;
  cloudId: string;
}

interface SimMetaDoc {
  _id: string;
  seededAt: Date;
}

export class MongoSimStore implements SimStore {
  constructor(
    private readonly db: Db,
    private readonly cloudId: string,
  ) {}

  private get machines() {
    return this.db.collection<SimMachineDoc>('sim_machines');
  }

  private toDoc(m: SimMachine): SimMachineDoc {
    return { ...m, _id: `${this.cloudId}:${m.externalId}`, cloudId: this.cloudId };
  }

  private static fromDoc(doc: SimMachineDoc): SimMachine {
    const { _id, cloudId, ...m } = doc;
    return m;
  }

  async list(): Promise<SimMachine[]> {
    const docs = await this.machines.find({ cloudId: this.cloudId }).sort({ _id: 1 }).toArray();
    return docs.map(MongoSimStore.fromDoc);
  }

  async get(externalId: string): Promise<SimMachine | undefined> {
    const doc = await this.machines.findOne({ _id: `${this.cloudId}:${externalId}` });
    return doc ? MongoSimStore.fromDoc(doc) : undefined;
  }

  async put(machine: SimMachine): Promise<void> {
    const doc = this.toDoc(machine);
    await this.machines.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  async putMany(machines: SimMachine[]): Promise<void> {
    if (machines.length === 0) return;
    const ops: AnyBulkWriteOperation<SimMachineDoc>[] = machines.map((m) => {
      const doc = this.toDoc(m);
      return { replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } };
    });
    await this.machines.bulkWrite(ops, { ordered: false });
  }

  async isSeeded(): Promise<boolean> {
    return (await this.db.collection<SimMetaDoc>('sim_meta').countDocuments({ _id: this.cloudId })) > 0;
  }

  async markSeeded(): Promise<void> {
    await this.db
      .collection<SimMetaDoc>('sim_meta')
      .updateOne({ _id: this.cloudId }, { $setOnInsert: { seededAt: new Date() } }, { upsert: true });
  }
}
