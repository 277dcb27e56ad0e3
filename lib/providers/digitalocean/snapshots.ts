/**
 * Droplet snapshots: images of the whole droplet, taken by the snapshot action and listed per droplet
 * (GET /droplets/{id}/snapshots, its backups left out). A snapshot's id is the image's number. Reverting
 * is the rebuild action with the snapshot as its image: restore takes only the droplet's backups, rebuild
 * takes any image of the account, and keeps the droplet's id and addresses.
 */
import type { MachineRef, ProviderSnapshot } from '../compute.js';
import { ProviderNotFoundError } from '../errors.js';
import { describeDroplet, runAction, startAction, waitForAction } from './actions.js';
import { type DigitalOceanSetup, listAll, SERVICE } from './client.js';
import { DropletSnapshot, NoContent } from './schemas.js';

function toSnapshot(s: DropletSnapshot): ProviderSnapshot {
  return { id: String(s.id), name: s.name, createdAt: new Date(s.created_at), state: 'completed' };
}

async function dropletSnapshots(setup: DigitalOceanSetup, machine: MachineRef): Promise<DropletSnapshot[]> {
  const all = await listAll(
    setup.rest,
    `/droplets/${encodeURIComponent(machine.externalId)}/snapshots`,
    'snapshots',
    DropletSnapshot,
    `list snapshots of ${describeDroplet(machine)}`,
  );
  return all.filter((s) => s.type === undefined || s.type === 'snapshot');
}

export async function listSnapshots(
  setup: DigitalOceanSetup,
  machine: MachineRef,
): Promise<ProviderSnapshot[]> {
  return (await dropletSnapshots(setup, machine)).map(toSnapshot);
}

/**
 * The snapshot of that name once the action completes. While DigitalOcean is still taking it (snapshots
 * take minutes) it has no image yet: the answer is pending with an empty id, and the droplet's listing
 * shows it with its id once done.
 */
export async function createSnapshot(
  setup: DigitalOceanSetup,
  machine: MachineRef,
  name: string,
): Promise<ProviderSnapshot> {
  const context = `snapshot ${describeDroplet(machine)}`;
  const started = await startAction(setup, machine, { type: 'snapshot', name });
  const done = await waitForAction(setup, started, context);
  const startedAt = new Date(done.started_at ?? setup.now().toISOString());
  if (done.status !== 'completed') return { id: '', name, createdAt: startedAt, state: 'pending' };
  const taken = (await dropletSnapshots(setup, machine))
    .filter((s) => s.name === name)
    .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
  if (!taken) {
    throw new ProviderNotFoundError(
      `${context}: ${SERVICE} completed the snapshot but lists none named ${name}`,
    );
  }
  return toSnapshot(taken);
}

async function ownSnapshot(setup: DigitalOceanSetup, machine: MachineRef, snapshotId: string) {
  const found = (await dropletSnapshots(setup, machine)).find((s) => String(s.id) === snapshotId);
  if (!found) {
    throw new ProviderNotFoundError(`${SERVICE}: ${describeDroplet(machine)} has no snapshot ${snapshotId}`);
  }
  return found;
}

/** Only a snapshot of this droplet: DELETE /snapshots/{id} would delete any image of the account. */
export async function deleteSnapshot(setup: DigitalOceanSetup, machine: MachineRef, snapshotId: string) {
  const snap = await ownSnapshot(setup, machine, snapshotId);
  await setup.rest.delete({
    path: `/snapshots/${snap.id}`,
    schema: NoContent,
    context: `delete snapshot ${snap.id} of ${describeDroplet(machine)}`,
  });
}

export async function revertToSnapshot(setup: DigitalOceanSetup, machine: MachineRef, snapshotId: string) {
  const snap = await ownSnapshot(setup, machine, snapshotId);
  await runAction(setup, machine, { type: 'rebuild', image: snap.id });
}
