/**
 * The simulated cloud's compute driver: realistic transitions, prices, snapshots, latency and injected
 * faults, with its state in a SimStore. Labelled as a simulator everywhere it shows.
 */
import { randomBytes } from 'node:crypto';
import { cidrSize, formatIPv4, parseCidr4 } from '../../net/ipv4.js';
import type {
  ComputeDriver,
  CreateMachineRequest,
  MachineRef,
  ProviderImage,
  ProviderLocation,
  ProviderMachine,
  ProviderSize,
  ProviderSnapshot,
} from '../compute.js';
import { ProviderNotFoundError } from '../errors.js';
import { SIM_IMAGES, SIM_LOCATIONS, SIM_REGIONS, SIM_SIZES } from './catalog.js';
import { simulateCall } from './faults.js';
import { generateFleet } from './fleet.js';
import type { SimNetStore } from './net-store.js';
import type { SimStore } from './store.js';
import {
  applyAction,
  isVisible,
  type SimAction,
  type SimMachine,
  settle,
  toProviderMachine,
} from './world.js';

export interface SimSettings {
  /** Machines created when the cloud is first connected. */
  machines: number;
  seed: number;
  transitionMs: number;
  latencyMs: number;
  faults: { auth: boolean; throttleRate: number; timeoutRate: number };
}

export interface SimDeps {
  store: SimStore;
  /** The simulated networks, so machines can be created in a subnet. */
  networks?: SimNetStore;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class SimComputeDriver implements ComputeDriver {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly settings: SimSettings,
    private readonly deps: SimDeps,
  ) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Every call pays the configured latency and may meet an injected fault, like a real API. */
  private call(operation: string): Promise<void> {
    return simulateCall(this.settings, { sleep: this.sleep, random: this.random }, operation);
  }

  private async machine(ref: MachineRef): Promise<SimMachine> {
    const m = await this.deps.store.get(ref.externalId);
    if (!m || !isVisible(m, this.deps.now())) {
      throw new ProviderNotFoundError(`sim: machine ${ref.externalId} does not exist`);
    }
    return settle(m, this.deps.now());
  }

  async checkConnection(): Promise<void> {
    await this.call('checkConnection');
    if (!(await this.deps.store.isSeeded())) {
      await this.deps.store.putMany(
        generateFleet(this.settings.machines, this.settings.seed, this.deps.now()),
      );
      await this.deps.store.markSeeded();
    }
  }

  async listMachines(): Promise<ProviderMachine[]> {
    await this.call('listMachines');
    const now = this.deps.now();
    return (await this.deps.store.list())
      .filter((m) => isVisible(m, now))
      .map((m) => toProviderMachine(settle(m, now)));
  }

  async listImages(): Promise<ProviderImage[]> {
    await this.call('listImages');
    return SIM_IMAGES;
  }

  async listSizes(): Promise<ProviderSize[]> {
    await this.call('listSizes');
    return SIM_SIZES;
  }

  async listLocations(): Promise<ProviderLocation[]> {
    await this.call('listLocations');
    return SIM_LOCATIONS;
  }

  private async act(ref: MachineRef, action: SimAction): Promise<void> {
    await this.call(action);
    const m = await this.machine(ref);
    const next = applyAction(m, action, this.deps.now(), this.settings.transitionMs);
    if (next !== m) await this.deps.store.put(next);
  }

  startMachine(ref: MachineRef) {
    return this.act(ref, 'start');
  }
  stopMachine(ref: MachineRef) {
    return this.act(ref, 'stop');
  }
  rebootMachine(ref: MachineRef) {
    return this.act(ref, 'reboot');
  }
  destroyMachine(ref: MachineRef) {
    return this.act(ref, 'destroy');
  }

  async resizeMachine(ref: MachineRef, size: string): Promise<void> {
    await this.call('resize');
    if (!SIM_SIZES.some((s) => s.id === size)) throw new ProviderNotFoundError(`sim: unknown size ${size}`);
    const m = await this.machine(ref);
    await this.deps.store.put({ ...m, size });
  }

  async renameMachine(ref: MachineRef, name: string): Promise<void> {
    await this.call('rename');
    const m = await this.machine(ref);
    await this.deps.store.put({ ...m, name, tags: { ...m.tags, Name: name } });
  }

  async createMachine(req: CreateMachineRequest): Promise<ProviderMachine> {
    await this.call('create');
    if (!SIM_REGIONS.includes(req.region as (typeof SIM_REGIONS)[number])) {
      throw new ProviderNotFoundError(`sim: unknown region ${req.region}`);
    }
    if (!SIM_IMAGES.some((i) => i.id === req.image))
      throw new ProviderNotFoundError(`sim: unknown image ${req.image}`);
    if (!SIM_SIZES.some((s) => s.id === req.size))
      throw new ProviderNotFoundError(`sim: unknown size ${req.size}`);
    const placement = req.subnetId ? await this.subnetPlacement(req) : undefined;
    const now = this.deps.now();
    const n = randomBytes(2);
    const m: SimMachine = {
      externalId: `sim-${randomBytes(8).toString('hex')}`,
      name: req.name,
      region: req.region,
      location: req.location ?? `${req.region}a`,
      size: req.size,
      image: req.image,
      state: 'pending',
      target: 'running',
      settlesAt: new Date(now.getTime() + this.settings.transitionMs),
      publicIps: [`198.51.100.${(n[0]! % 254) + 1}`],
      privateIps: [`10.0.${n[1]}.${(n[0]! % 254) + 1}`],
      tags: { ...req.tags, Name: req.name },
      launchedAt: now,
      createdAt: now,
      snapshots: [],
      ...placement,
    };
    await this.deps.store.put(m);
    return toProviderMachine(m);
  }

  /** A machine in a subnet lives in its zone, with a private address from its block (after the 4 reserved). */
  private async subnetPlacement(req: CreateMachineRequest) {
    const subnet = await this.deps.networks?.get('subnet', req.subnetId!);
    if (!subnet || subnet.region !== req.region) {
      throw new ProviderNotFoundError(
        `sim: InvalidSubnetID.NotFound: subnet ${req.subnetId} in ${req.region}`,
      );
    }
    const block = parseCidr4(subnet.cidr);
    const size = block.ok ? cidrSize(block.cidr) : 0;
    const address =
      block.ok && size > 5 ? block.cidr.network + 4 + Math.floor(this.random() * (size - 5)) : 0;
    return {
      location: subnet.availabilityZone,
      vpcId: subnet.networkExternalId,
      subnetId: subnet.externalId,
      ...(block.ok ? { privateIps: [formatIPv4(address)] } : {}),
    };
  }

  async listSnapshots(ref: MachineRef): Promise<ProviderSnapshot[]> {
    await this.call('listSnapshots');
    return (await this.machine(ref)).snapshots;
  }

  async createSnapshot(ref: MachineRef, name: string): Promise<ProviderSnapshot> {
    await this.call('createSnapshot');
    const m = await this.machine(ref);
    const snapshot: ProviderSnapshot = {
      id: `simsnap-${randomBytes(6).toString('hex')}`,
      name,
      createdAt: this.deps.now(),
      state: 'completed',
    };
    await this.deps.store.put({ ...m, snapshots: [...m.snapshots, snapshot] });
    return snapshot;
  }

  async deleteSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    await this.call('deleteSnapshot');
    const m = await this.machine(ref);
    if (!m.snapshots.some((s) => s.id === snapshotId)) {
      throw new ProviderNotFoundError(`sim: snapshot ${snapshotId} does not exist`);
    }
    await this.deps.store.put({ ...m, snapshots: m.snapshots.filter((s) => s.id !== snapshotId) });
  }

  async revertToSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    await this.call('revertToSnapshot');
    const m = await this.machine(ref);
    if (!m.snapshots.some((s) => s.id === snapshotId)) {
      throw new ProviderNotFoundError(`sim: snapshot ${snapshotId} does not exist`);
    }
    // A root volume replacement: the machine reboots onto the snapshot.
    if (m.state === 'running')
      await this.deps.store.put(applyAction(m, 'reboot', this.deps.now(), this.settings.transitionMs));
  }
}
