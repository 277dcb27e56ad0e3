/**
 * The Google Compute Engine driver: one cloud is one project (the service account's), across the
 * regions it was configured with. Machines are addressed by zone and instance name, so a machine's
 * `region` is its zone. Listings fail as a whole when any call fails: the inventory service keeps its
 * last good picture, and a partial answer would make the missing machines look deleted. Mutations wait
 * for their operation to be DONE, so a returned start really started the machine.
 */
import { randomBytes } from 'node:crypto';
import { ProviderError, UnprocessableError } from '../../core/errors.js';
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
import { createClients, type GceClients } from './client.js';
import {
  bootDisk,
  type GceInstance,
  lastSegment,
  regionOfZone,
  toLabels,
  toProviderImage,
  toProviderMachine,
  toProviderSnapshot,
} from './mapping.js';

import { mutateAndWait } from './operations.js';
import { type GcpCloudConfig, type GcpDriverDeps, GcpSession } from './session.js';

export type { GcpCloudConfig, GcpDriverDeps };

/** Public image projects offered in the catalogue. */
export const IMAGE_PROJECTS = ['debian-cloud', 'ubuntu-os-cloud'];
/** The ids createSnapshot hands out: GCE snapshot names, recognisable as Nimbo's. */
export const SNAPSHOT_ID = /^nimbo-snap-[a-z0-9]{1,12}-[0-9a-f]{8}$/;

export class GcpComputeDriver implements ComputeDriver {
  private readonly s: GcpSession<GceClients>;

  constructor(config: GcpCloudConfig, deps: GcpDriverDeps = {}) {
    this.s = new GcpSession(config, deps, (c, now) => createClients(c.credentials, c.endpoint, now));
  }

  private get project() {
    return this.s.project;
  }

  private call<T>(context: string, fn: (gce: GceClients) => Promise<T>): Promise<T> {
    return this.s.call(context, fn);
  }

  private mutate(context: string, fn: (gce: GceClients) => Promise<unknown[]>): Promise<void> {
    return mutateAndWait(this.s, context, fn);
  }

  private where(ref: MachineRef, what: string) {
    return `${what} ${ref.externalId} in ${ref.region}`;
  }

  private instanceArgs(ref: MachineRef) {
    return { project: this.project, zone: ref.region, instance: ref.externalId };
  }

  private inRegions(zone: string): boolean {
    return this.s.regions.includes(regionOfZone(zone));
  }

  /** regions.get of every configured region: proves the key, the project and that each region exists. */
  async checkConnection(): Promise<void> {
    for (const region of this.s.regions) {
      await this.call(`regions.get ${region}`, (gce) =>
        gce.regions.get({ project: this.project, region }, this.s.callOptions),
      );
    }
  }

  async listMachines(): Promise<ProviderMachine[]> {
    return this.call(`instances.aggregatedList in project ${this.project}`, async (gce) => {
      const out: ProviderMachine[] = [];
      const pages = gce.instances.aggregatedListAsync(
        { project: this.project, maxResults: 500 },
        this.s.pagedOptions,
      );
      for await (const [scope, list] of pages) {
        const zone = lastSegment(scope);
        if (!this.inRegions(zone)) continue;
        // GCE answers 200 with the zones it could not reach flagged: that is a partial answer too.
        if (list.warning?.code === 'UNREACHABLE') {
          throw new ProviderError(
            `instances.aggregatedList: zone ${zone} is unreachable: ${list.warning.message}`,
          );
        }
        for (const i of list.instances ?? []) out.push(toProviderMachine(i as GceInstance));
      }
      return out;
    });
  }

  async listImages(): Promise<ProviderImage[]> {
    const out: ProviderImage[] = [];
    for (const project of IMAGE_PROJECTS) {
      const images = await this.call(`images.list of ${project}`, async (gce) => {
        const found: ProviderImage[] = [];
        for await (const img of gce.images.listAsync({ project, maxResults: 500 }, this.s.pagedOptions)) {
          if (!img.deprecated?.state) found.push(toProviderImage(img, project));
        }
        return found;
      });
      out.push(...images);
    }
    return out;
  }

  /** The machine types of the first zone of the first region: GCE's API gives no prices. */
  async listSizes(): Promise<ProviderSize[]> {
    const zone = (await this.listLocations()).find((l) => l.region === this.s.regions[0])?.id;
    if (!zone) throw new ProviderNotFoundError(`no zone found in region ${this.s.regions[0]}`);
    return this.call(`machineTypes.list in ${zone}`, async (gce) => {
      const out: ProviderSize[] = [];
      for await (const m of gce.machineTypes.listAsync(
        { project: this.project, zone, maxResults: 500 },
        this.s.pagedOptions,
      )) {
        const name = m.name ?? '';
        out.push({ id: name, name, cpus: m.guestCpus ?? 0, memoryMiB: m.memoryMb ?? 0 });
      }
      return out;
    });
  }

  async listLocations(): Promise<ProviderLocation[]> {
    return this.call(`zones.list in project ${this.project}`, async (gce) => {
      const out: ProviderLocation[] = [];
      for await (const z of gce.zones.listAsync(
        { project: this.project, maxResults: 500 },
        this.s.pagedOptions,
      )) {
        const name = z.name ?? '';
        if (this.inRegions(name)) out.push({ id: name, name, region: regionOfZone(name) });
      }
      return out;
    });
  }

  startMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.start'), (gce) =>
      gce.instances.start(this.instanceArgs(ref), this.s.callOptions),
    );
  }

  stopMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.stop'), (gce) =>
      gce.instances.stop(this.instanceArgs(ref), this.s.callOptions),
    );
  }

  /** instances.reset is a hard reset (like pressing the button): GCE has no soft reboot call. */
  rebootMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.reset'), (gce) =>
      gce.instances.reset(this.instanceArgs(ref), this.s.callOptions),
    );
  }

  destroyMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.delete'), (gce) =>
      gce.instances.delete(this.instanceArgs(ref), this.s.callOptions),
    );
  }

  /** GCE changes the machine type of a TERMINATED instance only; otherwise 400 → MachineStateError. */
  resizeMachine(ref: MachineRef, size: string): Promise<void> {
    const machineType = `zones/${ref.region}/machineTypes/${size}`;
    return this.mutate(this.where(ref, 'instances.setMachineType'), (gce) =>
      gce.instances.setMachineType(
        {
          ...this.instanceArgs(ref),
          instancesSetMachineTypeRequestResource: { machineType },
        },
        this.s.callOptions,
      ),
    );
  }

  /**
   * instances.setName renames a stopped instance in place; it wants the current name, which the numeric
   * externalId does not carry, so the instance is read first. The externalId stays the same.
   */
  async renameMachine(ref: MachineRef, name: string): Promise<void> {
    const [current] = await this.call(this.where(ref, 'instances.get'), (gce) =>
      gce.instances.get(this.instanceArgs(ref), this.s.callOptions),
    );
    await this.mutate(this.where(ref, 'instances.setName'), (gce) =>
      gce.instances.setName(
        {
          ...this.instanceArgs(ref),
          instancesSetNameRequestResource: { currentName: current.name ?? ref.externalId, name },
        },
        this.s.callOptions,
      ),
    );
  }

  /**
   * instances.insert in request.location, or zone "-b" of the region. keyName is put as the ssh-keys
   * metadata line `nimbo:<keyName>`, i.e. keyName must be a public key line ("ssh-ed25519 AAAA… c").
   */
  async createMachine(req: CreateMachineRequest): Promise<ProviderMachine> {
    const zone = req.location ?? `${req.region}-b`;
    const ref = { externalId: req.name, region: zone };
    const items = [
      ...(req.keyName ? [{ key: 'ssh-keys', value: `nimbo:${req.keyName}` }] : []),
      ...(req.userData ? [{ key: 'startup-script', value: req.userData }] : []),
    ];
    const sourceImage = req.image.includes('/') ? req.image : `global/images/${req.image}`;
    const network = req.subnetId
      ? { subnetwork: req.subnetId }
      : { network: `projects/${this.project}/global/networks/default` };
    await this.mutate(`instances.insert ${req.name} in ${zone}`, (gce) =>
      gce.instances.insert(
        {
          project: this.project,
          zone,
          instanceResource: {
            name: req.name,
            machineType: `zones/${zone}/machineTypes/${req.size}`,
            disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage } }],
            networkInterfaces: [
              { ...network, accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] },
            ],
            labels: toLabels(req.tags),
            metadata: { items },
          },
        },
        this.s.callOptions,
      ),
    );
    const [instance] = await this.call(this.where(ref, 'instances.get'), (gce) =>
      gce.instances.get(this.instanceArgs(ref), this.s.callOptions),
    );
    return toProviderMachine(instance as GceInstance);
  }

  private async diskOf(ref: MachineRef): Promise<string> {
    const [instance] = await this.call(this.where(ref, 'instances.get'), (gce) =>
      gce.instances.get(this.instanceArgs(ref), this.s.callOptions),
    );
    const disk = bootDisk(instance as GceInstance);
    if (!disk)
      throw new ProviderNotFoundError(`${this.where(ref, 'instances.get')}: the machine has no boot disk`);
    return disk;
  }

  /** snapshots.list filtered by the boot disk: GCE snapshots are global, they outlive the disk. */
  async listSnapshots(ref: MachineRef): Promise<ProviderSnapshot[]> {
    const disk = await this.diskOf(ref);
    const suffix = `/zones/${ref.region}/disks/${disk}`;
    return this.call(`snapshots.list of ${this.where(ref, 'disk of')}`, async (gce) => {
      const out: ProviderSnapshot[] = [];
      const filter = `sourceDisk = "https://www.googleapis.com/compute/v1/projects/${this.project}${suffix}"`;
      for await (const s of gce.snapshots.listAsync(
        { project: this.project, filter, maxResults: 500 },
        this.s.pagedOptions,
      )) {
        // Checked here too: the filter syntax is lenient and a wrong match would list another disk's.
        if (s.sourceDisk?.endsWith(suffix)) out.push(toProviderSnapshot(s));
      }
      return out;
    });
  }

  async createSnapshot(ref: MachineRef, name: string): Promise<ProviderSnapshot> {
    const disk = await this.diskOf(ref);
    const id = `nimbo-snap-${this.s.now().getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
    await this.mutate(this.where(ref, 'disks.createSnapshot of'), (gce) =>
      gce.disks.createSnapshot(
        {
          project: this.project,
          zone: ref.region,
          disk,
          snapshotResource: {
            name: id,
            description: name,
            labels: toLabels({ 'nimbo-machine': ref.externalId }),
          },
        },
        this.s.callOptions,
      ),
    );
    const [snap] = await this.call(`snapshots.get ${id}`, (gce) =>
      gce.snapshots.get({ project: this.project, snapshot: id }, this.s.callOptions),
    );
    return toProviderSnapshot(snap);
  }

  async deleteSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    if (!SNAPSHOT_ID.test(snapshotId)) {
      throw new ProviderNotFoundError(
        `snapshot ${snapshotId} of ${ref.externalId} is not a Nimbo snapshot id`,
      );
    }
    await this.mutate(`snapshots.delete ${snapshotId}`, (gce) =>
      gce.snapshots.delete({ project: this.project, snapshot: snapshotId }, this.s.callOptions),
    );
  }

  /** A GCE disk cannot be rolled back: one would create a new disk from the snapshot and swap it in. */
  async revertToSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    throw new UnprocessableError(
      `GCE cannot revert a disk in place (${ref.externalId}, snapshot ${snapshotId}): create a machine from the snapshot instead`,
    );
  }
}
