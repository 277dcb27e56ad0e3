/**
 * The Hetzner Cloud compute driver: servers in the cloud's locations, their power actions, create,
 * resize (change_type, disk kept so the server can shrink back), rename, snapshots and the priced
 * catalog. Every action waits on Hetzner's action; a root password in an answer is never kept.
 */
import { z } from 'zod';
import type {
  ComputeDriver,
  CreateMachineRequest,
  MachineRef,
  PowerOptions,
  ProviderImage,
  ProviderLocation,
  ProviderMachine,
  ProviderSize,
  ProviderSnapshot,
} from '../compute.js';
import type { RestClient } from '../rest/client.js';
import { ActionEnvelope, ActionSchema, type ActionWaiter, actionWaiter } from './actions.js';
import { listCloudLocations, listServerTypes, listSystemImages } from './catalog.js';
import { type HetznerDriverConfig, type HetznerDriverDeps, hetznerClient, listAll } from './client.js';
import { checkLabels } from './labels.js';
import { mapServer } from './mapping.js';
import { ServerSchema } from './schemas.js';
import { HetznerSnapshots } from './snapshots.js';
import { resolveSshKey } from './ssh-keys.js';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 60_000;
const ServerEnvelope = z.looseObject({ server: ServerSchema });

export class HetznerComputeDriver implements ComputeDriver {
  private readonly rest: RestClient;
  private readonly waiter: ActionWaiter;
  private readonly snapshots: HetznerSnapshots;

  constructor(
    private readonly config: HetznerDriverConfig,
    private readonly deps: HetznerDriverDeps = {},
  ) {
    this.rest = hetznerClient(config, deps);
    this.waiter = actionWaiter(this.rest, deps);
    this.snapshots = new HetznerSnapshots(this.rest, this.waiter);
  }

  /** Every project token can list servers; a wrong one answers 401 unauthorized. */
  async checkConnection(): Promise<void> {
    await this.rest.get({
      path: '/servers',
      query: { per_page: 1 },
      schema: z.looseObject({ servers: z.array(z.unknown()) }),
      context: 'check the Hetzner Cloud token',
    });
  }

  async listMachines(): Promise<ProviderMachine[]> {
    const servers = await listAll(
      this.rest,
      { path: '/servers', context: 'list servers' },
      'servers',
      ServerSchema,
    );
    return servers.filter((s) => this.config.regions.includes(s.location.name)).map(mapServer);
  }

  listSizes(): Promise<ProviderSize[]> {
    return listServerTypes(this.rest, this.config.regions);
  }

  listImages(): Promise<ProviderImage[]> {
    return listSystemImages(this.rest, this.config.regions);
  }

  listLocations(): Promise<ProviderLocation[]> {
    return listCloudLocations(this.rest, this.config.regions);
  }

  async startMachine(machine: MachineRef): Promise<void> {
    await this.action(machine, 'poweron');
  }

  /** ACPI shutdown first, so the guest can close cleanly; the power is cut if it is still on after. */
  async stopMachine(machine: MachineRef, options: PowerOptions = {}): Promise<void> {
    if (options.force) return this.action(machine, 'poweroff');
    await this.action(machine, 'shutdown');
    const off = await this.waiter.until(
      async () => (await this.server(machine)).status === 'off',
      this.deps.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    );
    if (!off) await this.action(machine, 'poweroff');
  }

  /** reboot asks the guest (ACPI); reset is the power cycle. */
  async rebootMachine(machine: MachineRef, options: PowerOptions = {}): Promise<void> {
    await this.action(machine, options.force ? 'reset' : 'reboot');
  }

  async destroyMachine(machine: MachineRef): Promise<void> {
    const context = `delete server ${machine.externalId} in ${machine.region}`;
    const started = await this.rest.delete({
      path: `/servers/${machine.externalId}`,
      schema: ActionEnvelope,
      context,
    });
    await this.waiter.wait(started.action, context);
  }

  /** A running server is refused by Hetzner (server_not_stopped): MachineStateError. */
  async resizeMachine(machine: MachineRef, size: string): Promise<void> {
    await this.action(machine, 'change_type', { server_type: size, upgrade_disk: false });
  }

  async renameMachine(machine: MachineRef, name: string): Promise<void> {
    await this.rest.put({
      path: `/servers/${machine.externalId}`,
      body: { name },
      schema: ServerEnvelope,
      context: `rename server ${machine.externalId} in ${machine.region}`,
    });
  }

  async createMachine(request: CreateMachineRequest): Promise<ProviderMachine> {
    const context = `create server ${request.name} in ${request.region}`;
    const labels = checkLabels(request.tags ?? {}, context);
    const sshKeys = request.keyName ? [await resolveSshKey(this.rest, request.keyName)] : [];
    const network = request.subnetId?.split('/')[0];
    const made = await this.rest.post({
      path: '/servers',
      body: {
        name: request.name,
        server_type: request.size,
        image: request.image,
        // Datacenters are gone from the API (2026-07-01): a server is placed by location only.
        location: request.region,
        ...(sshKeys.length ? { ssh_keys: sshKeys } : {}),
        labels,
        ...(request.userData ? { user_data: request.userData } : {}),
        ...(network ? { networks: [Number(network)] } : {}),
      },
      // Only the server and the action are read: root_password is never parsed, kept or logged.
      schema: z.object({ server: ServerSchema, action: ActionSchema }),
      context,
    });
    await this.waiter.wait(made.action, context);
    return mapServer(await this.server({ externalId: String(made.server.id), region: request.region }));
  }

  listSnapshots(machine: MachineRef): Promise<ProviderSnapshot[]> {
    return this.snapshots.list(machine);
  }

  createSnapshot(machine: MachineRef, name: string): Promise<ProviderSnapshot> {
    return this.snapshots.create(machine, name);
  }

  deleteSnapshot(machine: MachineRef, snapshotId: string): Promise<void> {
    return this.snapshots.delete(machine, snapshotId);
  }

  revertToSnapshot(machine: MachineRef, snapshotId: string): Promise<void> {
    return this.snapshots.revert(machine, snapshotId);
  }

  private async server(machine: MachineRef) {
    const got = await this.rest.get({
      path: `/servers/${machine.externalId}`,
      schema: ServerEnvelope,
      context: `read server ${machine.externalId} in ${machine.region}`,
    });
    return got.server;
  }

  private async action(machine: MachineRef, name: string, body: unknown = {}): Promise<void> {
    const context = `${name} server ${machine.externalId} in ${machine.region}`;
    const started = await this.rest.post({
      path: `/servers/${machine.externalId}/actions/${name}`,
      body,
      schema: ActionEnvelope,
      context,
    });
    await this.waiter.wait(started.action, context);
  }
}
