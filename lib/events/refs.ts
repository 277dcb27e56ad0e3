/** The resources an event names, as the inventory knows them: ids and names, never a credential. */
import type { CloudDoc, MachineDoc } from '../db/documents.js';

export type MachineRefSource = Pick<
  MachineDoc,
  '_id' | 'cloudId' | 'provider' | 'externalId' | 'name' | 'region'
>;

export function machineEventRef(m: MachineRefSource) {
  return {
    machineId: m._id,
    cloudId: m.cloudId,
    provider: m.provider,
    externalId: m.externalId,
    name: m.name,
    region: m.region,
  };
}

export function cloudEventRef(c: Pick<CloudDoc, '_id' | 'name' | 'provider'>) {
  return { cloudId: c._id, name: c.name, provider: c.provider };
}

/** An error as events carry it: its stable code and the words an operator reads, nothing more. */
export function problemRef(e: { code: string; message: string }) {
  return { code: e.code, message: e.message };
}
