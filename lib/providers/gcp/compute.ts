/**
 * The Google Compute Engine driver: one cloud is one project (the service account's), across the
 * regions it was configured with. Machines are addressed by zone and instance name, so a machine's
 * `region` is its zone. Listings fail as a whole when any call fails: the inventory service keeps its
 * last good picture, and a partial answer would make the missing machines look deleted. Mutations wait
 * for their operation to be DONE, so a returned start really started the machine.
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError, ProviderError, UnprocessableError } from '../../core/errors.js';
import { type BackoffDeps, type BackoffOptions, DEFAULT_BACKOFF } from '../backoff.js';
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
import {
  callWithBackoff,
  createClients,
  type GceClients,
  type GceOperation,
  isDone,
  operationOutcome,
} from './client.js';
import { credentialSecrets, type GcpCredentials } from './credentials.js';
import { mapGcpError } from './errors.js';
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

export interface GcpCloudConfig {
  cloudId: string;
  /** GCP regions, e.g. europe-west1. */
  regions: string[];
  credentials: GcpCredentials;
  /** Overrides https://compute.googleapis.com and the token URI (`${endpoint}/token`): tests only. */
  endpoint?: string;
}

export interface GcpDriverDeps extends BackoffDeps {
  /** How many times an operation is waited on (each wait blocks up to ~2 minutes at Google). */
  maxOperationWaits?: number;
  /** How long one HTTP call may take before it is a ProviderTimeoutError (30 s; an operation wait 130 s). */
  callTimeoutMs?: number;
}

/** Public image projects offered in the catalogue. */
export const IMAGE_PROJECTS = ['debian-cloud', 'ubuntu-os-cloud'];
/**
 * gax's own retries are off (`retry: null`): it would retry an UNAVAILABLE for up to ten minutes, past
 * any Lambda's life; throttling is retried by callWithBackoff, with the injected sleep.
 */
const CALL_TIMEOUT_MS = 30_000;
/** zoneOperations.wait blocks up to two minutes at Google before answering RUNNING. */
const WAIT_TIMEOUT_MS = 130_000;
/** The ids createSnapshot hands out: GCE snapshot names, recognisable as Nimbo's. */
export const SNAPSHOT_ID = /^nimbo-snap-[a-z0-9]{1,12}-[0-9a-f]{8}$/;

export class GcpComputeDriver implements ComputeDriver {
  private readonly config: GcpCloudConfig;
  private readonly project: string;
  private readonly backoff: BackoffOptions;
  private readonly now: () => Date;
  private readonly secrets: string[];
  private readonly maxWaits: number;
  private clients: Promise<GceClients> | undefined;
  private readonly callOptions: { retry: null; timeout: number };
  private readonly waitOptions: { retry: null; timeout: number };
  private readonly pagedOptions: { retry: null; timeout: number; autoPaginate: false };

  constructor(config: GcpCloudConfig, deps: GcpDriverDeps = {}) {
    this.config = { ...config, regions: [...new Set(config.regions)] };
    if (this.config.regions.length === 0) {
      throw new ConfigurationError(`GCP cloud ${config.cloudId} has no regions configured`);
    }
    this.project = config.credentials.project_id;
    this.now = deps.now ?? (() => new Date());
    this.secrets = credentialSecrets(config.credentials);
    this.maxWaits = deps.maxOperationWaits ?? 30;
    this.callOptions = { retry: null, timeout: deps.callTimeoutMs ?? CALL_TIMEOUT_MS };
    this.waitOptions = { retry: null, timeout: deps.callTimeoutMs ?? WAIT_TIMEOUT_MS };
    // The async iterators follow nextPageToken themselves; saying so silences gax's AutopaginateTrueWarning.
    this.pagedOptions = { ...this.callOptions, autoPaginate: false };
    this.backoff = {
      ...DEFAULT_BACKOFF,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.maxAttempts ? { maxAttempts: deps.maxAttempts } : {}),
    };
  }

  private gce(): Promise<GceClients> {
    if (!this.clients) {
      const loading = createClients(this.config.credentials, this.config.endpoint, this.now);
      // A failed load is not cached: the next call tries again.
      loading.catch(() => {
        if (this.clients === loading) this.clients = undefined;
      });
      this.clients = loading;
    }
    return this.clients;
  }

  private async call<T>(context: string, fn: (gce: GceClients) => Promise<T>): Promise<T> {
    const gce = await this.gce();
    return callWithBackoff(context, () => fn(gce), this.backoff, this.secrets);
  }

  /** Wait until the operation is DONE (zoneOperations.wait, or globalOperations.wait), then its outcome. */
  private async settle(context: string, started: unknown): Promise<void> {
    let op = ((started as { latestResponse?: GceOperation })?.latestResponse ?? started) as GceOperation;
    for (let i = 0; !isDone(op); i++) {
      if (i >= this.maxWaits) throw new ProviderError(`${context}: operation ${op.name} still not done`);
      const operation = op.name ?? '';
      const zone = op.zone ? lastSegment(op.zone) : undefined;
      const [next] = await this.call(`${context} (waiting on ${operation})`, (gce) =>
        zone
          ? gce.zoneOperations.wait({ project: this.project, zone, operation }, this.waitOptions)
          : gce.globalOperations.wait({ project: this.project, operation }, this.waitOptions),
      );
      op = next as GceOperation;
    }
    try {
      operationOutcome(op);
    } catch (err) {
      throw mapGcpError(err, context, { secrets: this.secrets });
    }
  }

  private async mutate(context: string, fn: (gce: GceClients) => Promise<unknown[]>): Promise<void> {
    const [started] = await this.call(context, fn);
    await this.settle(context, started);
  }

  private where(ref: MachineRef, what: string) {
    return `${what} ${ref.externalId} in ${ref.region}`;
  }

  private instanceArgs(ref: MachineRef) {
    return { project: this.project, zone: ref.region, instance: ref.externalId };
  }

  private inRegions(zone: string): boolean {
    return this.config.regions.includes(regionOfZone(zone));
  }

  /** regions.get of every configured region: proves the key, the project and that each region exists. */
  async checkConnection(): Promise<void> {
    for (const region of this.config.regions) {
      await this.call(`regions.get ${region}`, (gce) =>
        gce.regions.get({ project: this.project, region }, this.callOptions),
      );
    }
  }

  async listMachines(): Promise<ProviderMachine[]> {
    return this.call(`instances.aggregatedList in project ${this.project}`, async (gce) => {
      const out: ProviderMachine[] = [];
      const pages = gce.instances.aggregatedListAsync(
        { project: this.project, maxResults: 500 },
        this.pagedOptions,
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
        for await (const img of gce.images.listAsync({ project, maxResults: 500 }, this.pagedOptions)) {
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
    const zone = (await this.listLocations()).find((l) => l.region === this.config.regions[0])?.id;
    if (!zone) throw new ProviderNotFoundError(`no zone found in region ${this.config.regions[0]}`);
    return this.call(`machineTypes.list in ${zone}`, async (gce) => {
      const out: ProviderSize[] = [];
      for await (const m of gce.machineTypes.listAsync(
        { project: this.project, zone, maxResults: 500 },
        this.pagedOptions,
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
        this.pagedOptions,
      )) {
        const name = z.name ?? '';
        if (this.inRegions(name)) out.push({ id: name, name, region: regionOfZone(name) });
      }
      return out;
    });
  }

  startMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.start'), (gce) =>
      gce.instances.start(this.instanceArgs(ref), this.callOptions),
    );
  }

  stopMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.stop'), (gce) =>
      gce.instances.stop(this.instanceArgs(ref), this.callOptions),
    );
  }

  /** instances.reset is a hard reset (like pressing the button): GCE has no soft reboot call. */
  rebootMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.reset'), (gce) =>
      gce.instances.reset(this.instanceArgs(ref), this.callOptions),
    );
  }

  destroyMachine(ref: MachineRef): Promise<void> {
    return this.mutate(this.where(ref, 'instances.delete'), (gce) =>
      gce.instances.delete(this.instanceArgs(ref), this.callOptions),
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
        this.callOptions,
      ),
    );
  }

  /**
   * instances.setName renames a stopped instance in place; it wants the current name, which the numeric
   * externalId does not carry, so the instance is read first. The externalId stays the same.
   */
  async renameMachine(ref: MachineRef, name: string): Promise<void> {
    const [current] = await this.call(this.where(ref, 'instances.get'), (gce) =>
      gce.instances.get(this.instanceArgs(ref), this.callOptions),
    );
    await this.mutate(this.where(ref, 'instances.setName'), (gce) =>
      gce.instances.setName(
        {
          ...this.instanceArgs(ref),
          instancesSetNameRequestResource: { currentName: current.name ?? ref.externalId, name },
        },
        this.callOptions,
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
        this.callOptions,
      ),
    );
    const [instance] = await this.call(this.where(ref, 'instances.get'), (gce) =>
      gce.instances.get(this.instanceArgs(ref), this.callOptions),
    );
    return toProviderMachine(instance as GceInstance);
  }

  private async diskOf(ref: MachineRef): Promise<string> {
    const [instance] = await this.call(this.where(ref, 'instances.get'), (gce) =>
      gce.instances.get(this.instanceArgs(ref), this.callOptions),
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
        this.pagedOptions,
      )) {
        // Checked here too: the filter syntax is lenient and a wrong match would list another disk's.
        if (s.sourceDisk?.endsWith(suffix)) out.push(toProviderSnapshot(s));
      }
      return out;
    });
  }

  async createSnapshot(ref: MachineRef, name: string): Promise<ProviderSnapshot> {
    const disk = await this.diskOf(ref);
    const id = `nimbo-snap-${this.now().getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
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
        this.callOptions,
      ),
    );
    const [snap] = await this.call(`snapshots.get ${id}`, (gce) =>
      gce.snapshots.get({ project: this.project, snapshot: id }, this.callOptions),
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
      gce.snapshots.delete({ project: this.project, snapshot: snapshotId }, this.callOptions),
    );
  }

  /** A GCE disk cannot be rolled back: one would create a new disk from the snapshot and swap it in. */
  async revertToSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    throw new UnprocessableError(
      `GCE cannot revert a disk in place (${ref.externalId}, snapshot ${snapshotId}): create a machine from the snapshot instead`,
    );
  }
}
