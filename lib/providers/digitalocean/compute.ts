/**
 * The DigitalOcean compute driver: droplets of the cloud's regions through the v2 API. Power actions are
 * droplet actions, waited for (actions.ts); stop asks the guest first (shutdown) and cuts the power when
 * that fails or leaves the droplet on, or at once with force. Droplets are billed by the hour up to a
 * monthly cap: both prices come from the droplet's size.
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
import { ProviderAuthError, ProviderRejectedError } from '../errors.js';
import { ActionErroredError, describeDroplet, runAction } from './actions.js';
import { listImages, listLocations, listSizes } from './catalog.js';
import {
  type DigitalOceanCloudConfig,
  type DigitalOceanDriverDeps,
  type DigitalOceanSetup,
  digitalOceanSetup,
  listAll,
  SERVICE,
} from './client.js';
import { resolveSshKey } from './keys.js';
import { recordToTags, toMachine } from './mapping.js';
import { AccountAnswer, Droplet, NoContent } from './schemas.js';
import * as snapshots from './snapshots.js';

/** Account statuses that still work: "warning" is a notice (billing, abuse report), "locked" is not. */
const WORKING_STATUSES = new Set(['active', 'warning']);

export class DigitalOceanComputeDriver implements ComputeDriver {
  private readonly setup: DigitalOceanSetup;

  constructor(config: DigitalOceanCloudConfig, deps: DigitalOceanDriverDeps = {}) {
    this.setup = digitalOceanSetup(config, deps);
  }

  async checkConnection(): Promise<void> {
    const { account } = await this.setup.rest.get({
      path: '/account',
      schema: AccountAnswer,
      context: 'check the account',
    });
    if (!WORKING_STATUSES.has(account.status)) {
      const why = account.status_message?.trim();
      throw new ProviderAuthError(
        `${SERVICE}: the account is ${account.status}${why ? `: ${why}` : ''}; it cannot manage droplets until DigitalOcean unlocks it`,
      );
    }
  }

  /** GET /droplets leaves GPU droplets out unless asked for them alone (type=gpus): both are listed. */
  async listMachines(): Promise<ProviderMachine[]> {
    const rest = this.setup.rest;
    const droplets = await listAll(rest, '/droplets', 'droplets', Droplet, 'list droplets');
    const gpus = await listAll(rest, '/droplets', 'droplets', Droplet, 'list GPU droplets', { type: 'gpus' });
    const seen = new Set(droplets.map((d) => d.id));
    return [...droplets, ...gpus.filter((d) => !seen.has(d.id))]
      .filter((d) => this.setup.regions.includes(d.region.slug))
      .map(toMachine);
  }

  listImages(): Promise<ProviderImage[]> {
    return listImages(this.setup);
  }

  listSizes(): Promise<ProviderSize[]> {
    return listSizes(this.setup);
  }

  listLocations(): Promise<ProviderLocation[]> {
    return listLocations(this.setup);
  }

  async startMachine(machine: MachineRef): Promise<void> {
    await runAction(this.setup, machine, { type: 'power_on' });
  }

  /**
   * A graceful shutdown "guarantees that the command is issued, not that it succeeds" (DigitalOcean):
   * when it ends errored, or completes with the droplet still on, the power is cut.
   */
  async stopMachine(machine: MachineRef, options: PowerOptions = {}): Promise<void> {
    if (options.force) {
      await runAction(this.setup, machine, { type: 'power_off' });
      return;
    }
    try {
      const shutdown = await runAction(this.setup, machine, { type: 'shutdown' });
      // Still running at the end of the wait: accepted, and the droplet is locked until it ends.
      if (shutdown.status !== 'completed') return;
      // A completed shutdown may leave a guest that ignored it running (DigitalOcean's own advice is a
      // shutdown followed by a power_off): look before cutting the power.
      if ((await this.getDroplet(machine)).status === 'off') return;
    } catch (err) {
      if (!(err instanceof ActionErroredError)) throw err;
    }
    await runAction(this.setup, machine, { type: 'power_off' });
  }

  private async getDroplet(machine: MachineRef) {
    const answer = await this.setup.rest.get({
      path: `/droplets/${encodeURIComponent(machine.externalId)}`,
      schema: z.looseObject({ droplet: Droplet }),
      context: `get ${describeDroplet(machine)}`,
    });
    return answer.droplet;
  }

  async rebootMachine(machine: MachineRef, options: PowerOptions = {}): Promise<void> {
    await runAction(this.setup, machine, { type: options.force ? 'power_cycle' : 'reboot' });
  }

  async destroyMachine(machine: MachineRef): Promise<void> {
    await this.setup.rest.delete({
      path: `/droplets/${encodeURIComponent(machine.externalId)}`,
      schema: NoContent,
      context: `destroy ${describeDroplet(machine)}`,
    });
  }

  /** CPU and memory only (disk false): the droplet can be sized down again later. */
  async resizeMachine(machine: MachineRef, size: string): Promise<void> {
    await runAction(this.setup, machine, { type: 'resize', size, disk: false });
  }

  async renameMachine(machine: MachineRef, name: string): Promise<void> {
    await runAction(this.setup, machine, { type: 'rename', name });
  }

  /** DigitalOcean has no subnets: request.subnetId is the VPC the droplet joins. */
  async createMachine(request: CreateMachineRequest): Promise<ProviderMachine> {
    const tags = recordToTags(request.tags);
    if (!this.setup.regions.includes(request.region)) {
      throw new ProviderRejectedError(
        `${SERVICE}: region ${request.region} is not one of this cloud's (${this.setup.regions.join(', ')})`,
      );
    }
    const sshKeys = request.keyName ? [await resolveSshKey(this.setup, request.keyName)] : [];
    const image = /^\d{1,19}$/.test(request.image) ? Number(request.image) : request.image;
    const answer = await this.setup.rest.post({
      path: '/droplets',
      body: {
        name: request.name,
        region: request.region,
        size: request.size,
        image,
        ssh_keys: sshKeys,
        tags,
        ...(request.userData ? { user_data: request.userData } : {}),
        ...(request.subnetId ? { vpc_uuid: request.subnetId } : {}),
      },
      schema: z.looseObject({ droplet: Droplet }),
      context: `create droplet ${request.name} in ${request.region}`,
    });
    return toMachine(answer.droplet);
  }

  listSnapshots(machine: MachineRef): Promise<ProviderSnapshot[]> {
    return snapshots.listSnapshots(this.setup, machine);
  }

  createSnapshot(machine: MachineRef, name: string): Promise<ProviderSnapshot> {
    return snapshots.createSnapshot(this.setup, machine, name);
  }

  deleteSnapshot(machine: MachineRef, snapshotId: string): Promise<void> {
    return snapshots.deleteSnapshot(this.setup, machine, snapshotId);
  }

  revertToSnapshot(machine: MachineRef, snapshotId: string): Promise<void> {
    return snapshots.revertToSnapshot(this.setup, machine, snapshotId);
  }
}
