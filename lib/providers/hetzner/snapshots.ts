/**
 * Server snapshots are images of type snapshot (create_image). The images listing has no filter by the
 * server a snapshot was taken from (bound_to is for backups), so the project's snapshots are listed and
 * kept when created_from names the server; each also carries a label naming it, for people reading the
 * console.
 */
import { z } from 'zod';
import type { MachineRef, ProviderSnapshot } from '../compute.js';
import type { RestClient } from '../rest/client.js';
import { ActionEnvelope, ActionSchema, type ActionWaiter } from './actions.js';
import { listAll } from './client.js';
import { type HetznerImage, ImageSchema } from './schemas.js';

export const SNAPSHOT_SERVER_LABEL = 'nimbo.dev/server';

export function mapSnapshot(i: HetznerImage): ProviderSnapshot {
  return {
    id: String(i.id),
    name: i.description,
    createdAt: new Date(i.created ?? 0),
    state: i.status === 'available' ? 'completed' : i.status === 'creating' ? 'pending' : 'error',
  };
}

export class HetznerSnapshots {
  constructor(
    private readonly rest: RestClient,
    private readonly waiter: ActionWaiter,
  ) {}

  async list(machine: MachineRef): Promise<ProviderSnapshot[]> {
    const images = await listAll(
      this.rest,
      {
        path: '/images',
        query: { type: 'snapshot' },
        context: `list snapshots of server ${machine.externalId}`,
      },
      'images',
      ImageSchema,
    );
    return images.filter((i) => String(i.created_from?.id) === machine.externalId).map(mapSnapshot);
  }

  async create(machine: MachineRef, name: string): Promise<ProviderSnapshot> {
    const context = `snapshot server ${machine.externalId} in ${machine.region}`;
    const started = await this.rest.post({
      path: `/servers/${machine.externalId}/actions/create_image`,
      body: { type: 'snapshot', description: name, labels: { [SNAPSHOT_SERVER_LABEL]: machine.externalId } },
      schema: z.looseObject({ image: ImageSchema, action: ActionSchema }),
      context,
    });
    await this.waiter.wait(started.action, context);
    const image = await this.rest.get({
      path: `/images/${started.image.id}`,
      schema: z.looseObject({ image: ImageSchema }),
      context,
    });
    return mapSnapshot(image.image);
  }

  async delete(machine: MachineRef, snapshotId: string): Promise<void> {
    await this.rest.delete({
      path: `/images/${snapshotId}`,
      schema: z.unknown(),
      context: `delete snapshot ${snapshotId} of server ${machine.externalId}`,
    });
  }

  /** A rebuild from the snapshot: the server's disk is replaced by the image. */
  async revert(machine: MachineRef, snapshotId: string): Promise<void> {
    const context = `rebuild server ${machine.externalId} from snapshot ${snapshotId}`;
    const started = await this.rest.post({
      path: `/servers/${machine.externalId}/actions/rebuild`,
      body: { image: Number(snapshotId) },
      schema: ActionEnvelope,
      context,
    });
    await this.waiter.wait(started.action, context);
  }
}
