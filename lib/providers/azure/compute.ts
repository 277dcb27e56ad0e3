/**
 * The Azure compute driver: one cloud is one subscription (a service principal's secret) across the
 * locations it was configured with. A machine's externalId is its full ARM id, which carries the
 * resource group every call needs. Listings fail as a whole when any call fails: the inventory keeps
 * its last good picture, and a partial answer would make machines look deleted.
 */
import { randomBytes } from 'node:crypto';
import type { VirtualMachine } from '@azure/arm-compute';
import { ConfigurationError, UnprocessableError } from '../../core/errors.js';
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
import { MachineStateError, ProviderNotFoundError } from '../errors.js';
import { type AzureClients, collect } from './client.js';
import { type ArmName, addressesByVm, parseVmId, toProviderMachine, toProviderSnapshot } from './mapping.js';
import { ensureResourceGroup, locationGroup } from './resource-group.js';
import { type AzureCloudConfig, type AzureDriverDeps, azureSetup } from './setup.js';

export type { AzureCloudConfig, AzureDriverDeps } from './setup.js';

/** Curated marketplace images (publisher:offer:sku:version, the az CLI's URN): listing them all costs hundreds of calls. */
export const CURATED_IMAGES: { urn: string; name: string; os: string }[] = [
  { urn: 'Canonical:ubuntu-24_04-lts:server:latest', name: 'Ubuntu Server 24.04 LTS', os: 'linux' },
  {
    urn: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
    name: 'Ubuntu Server 22.04 LTS',
    os: 'linux',
  },
  { urn: 'Debian:debian-12:12-gen2:latest', name: 'Debian 12', os: 'linux' },
  { urn: 'RedHat:RHEL:9-lvm-gen2:latest', name: 'Red Hat Enterprise Linux 9', os: 'linux' },
  {
    urn: 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest',
    name: 'Windows Server 2022',
    os: 'windows',
  },
];

/** Snapshots are tagged with the VM's id so listSnapshots finds the ones of one machine. */
export const SNAPSHOT_TAG = 'nimbo-machine';
/** The snapshot names (= ids) this driver gives, in the VM's resource group: capabilities.ts has the same. */
export const SNAPSHOT_NAME = /^nimbo-snap-\d{14}-[0-9a-f]{8}$/;
const SSH_KEY = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/;

export class AzureComputeDriver implements ComputeDriver {
  private readonly azure: AzureClients;
  private readonly regions: string[];
  private readonly poll: { updateIntervalInMs: number };
  private readonly now: () => Date;
  private readonly inRegions: (location: string | undefined) => boolean;

  constructor(
    private readonly config: AzureCloudConfig,
    deps: AzureDriverDeps = {},
  ) {
    ({
      azure: this.azure,
      regions: this.regions,
      poll: this.poll,
      now: this.now,
      inRegions: this.inRegions,
    } = azureSetup(config, deps));
  }

  private vm(ref: MachineRef): ArmName {
    const parsed = parseVmId(ref.externalId);
    if (!parsed)
      throw new ProviderNotFoundError(`Azure: ${ref.externalId} is not the ARM id of a virtual machine`);
    return parsed;
  }

  /** The first page of the subscription's VMs: proves the secret AND the read permission Nimbo needs most. */
  async checkConnection(): Promise<void> {
    const compute = await this.azure.compute();
    await this.azure.call('list VMs (connection check)', () =>
      compute.virtualMachines.listAll().byPage().next(),
    );
  }

  /**
   * listAll with statusOnly=true: every resource group's VMs with their power state, nextLink followed.
   * Addresses come from the subscription's NICs and public IPs (the VM only links to its NICs), asked
   * together once the VMs are known, and not at all when no VM is in our locations. Any failing call
   * fails the listing.
   */
  async listMachines(): Promise<ProviderMachine[]> {
    const compute = await this.azure.compute();
    const all = await this.azure.call('list VMs', () =>
      collect(compute.virtualMachines.listAll({ statusOnly: 'true' })),
    );
    const vms = all.filter((vm) => this.inRegions(vm.location));
    if (vms.length === 0) return [];
    const network = await this.azure.network();
    const [nics, publicIps] = await Promise.all([
      this.azure.call('list network interfaces', () => collect(network.networkInterfaces.listAll())),
      this.azure.call('list public IP addresses', () => collect(network.publicIPAddresses.listAll())),
    ]);
    const addresses = addressesByVm(nics, publicIps);
    return vms.map((vm) => toProviderMachine(vm, addresses.get((vm.id ?? '').toLowerCase())));
  }

  async listImages(): Promise<ProviderImage[]> {
    return this.regions.flatMap((region) =>
      CURATED_IMAGES.map((i) => ({ id: i.urn, name: i.name, region, os: i.os })),
    );
  }

  /** Sizes of the first location: Azure offers nearly the same sizes everywhere, and prices are another API. */
  async listSizes(): Promise<ProviderSize[]> {
    const location = this.regions[0];
    if (!location)
      throw new ConfigurationError(`Azure cloud ${this.config.cloudId} has no location configured`);
    const compute = await this.azure.compute();
    const sizes = await this.azure.call(`list VM sizes in ${location}`, () =>
      collect(compute.virtualMachineSizes.list(location)),
    );
    return sizes.map((s) => ({
      id: s.name ?? '',
      name: s.name ?? '',
      cpus: s.numberOfCores ?? 0,
      memoryMiB: s.memoryInMB ?? 0,
    }));
  }

  async listLocations(): Promise<ProviderLocation[]> {
    return this.regions.map((r) => ({ id: r, name: r, region: r }));
  }

  private async action(
    ref: MachineRef,
    verb: string,
    run: (
      vms: Awaited<ReturnType<AzureClients['compute']>>['virtualMachines'],
      vm: ArmName,
    ) => Promise<unknown>,
  ): Promise<void> {
    const vm = this.vm(ref);
    const compute = await this.azure.compute();
    await this.azure.call(`${verb} VM ${vm.resourceGroup}/${vm.name}`, () =>
      run(compute.virtualMachines, vm),
    );
  }

  startMachine(ref: MachineRef): Promise<void> {
    return this.action(ref, 'start', (v, vm) => v.beginStartAndWait(vm.resourceGroup, vm.name, this.poll));
  }

  /** Deallocate, not powerOff: a powered-off VM keeps its host and is still billed for compute. */
  stopMachine(ref: MachineRef): Promise<void> {
    return this.action(ref, 'deallocate', (v, vm) =>
      v.beginDeallocateAndWait(vm.resourceGroup, vm.name, this.poll),
    );
  }

  rebootMachine(ref: MachineRef): Promise<void> {
    return this.action(ref, 'restart', (v, vm) =>
      v.beginRestartAndWait(vm.resourceGroup, vm.name, this.poll),
    );
  }

  destroyMachine(ref: MachineRef): Promise<void> {
    return this.action(ref, 'delete', (v, vm) => v.beginDeleteAndWait(vm.resourceGroup, vm.name, this.poll));
  }

  /** Azure resizes a running VM when the size is on its cluster (else 409), a deallocated one always. */
  resizeMachine(ref: MachineRef, size: string): Promise<void> {
    return this.action(ref, `resize to ${size}`, (v, vm) =>
      v.beginUpdateAndWait(vm.resourceGroup, vm.name, { hardwareProfile: { vmSize: size } }, this.poll),
    );
  }

  /** The name is part of a VM's ARM id: Azure has no rename. */
  async renameMachine(ref: MachineRef, name: string): Promise<void> {
    throw new UnprocessableError(
      `Azure cannot rename a virtual machine (its name is part of its resource id): ${ref.externalId} stays, not ${name}`,
    );
  }

  /**
   * A VM in the `nimbo-<region>` resource group (created when missing) with a VM-managed NIC in the
   * subnet the request names: Nimbo does not invent virtual networks.
   */
  async createMachine(req: CreateMachineRequest): Promise<ProviderMachine> {
    if (!req.subnetId) {
      throw new UnprocessableError(
        'Azure needs a subnetId (the ARM id of an existing subnet) to create a machine',
      );
    }
    const [publisher, offer, sku, version] = req.image.split(':');
    const imageReference = req.image.startsWith('/subscriptions/')
      ? { id: req.image }
      : publisher && offer && sku
        ? { publisher, offer, sku, version: version || 'latest' }
        : undefined;
    if (!imageReference) {
      throw new UnprocessableError(
        `Azure image ${req.image} is neither publisher:offer:sku:version nor an image id`,
      );
    }
    const region = req.region.toLowerCase();
    const group = locationGroup(region);
    await ensureResourceGroup(this.azure, group, region);
    const sshKey = req.keyName && SSH_KEY.test(req.keyName.trim()) ? req.keyName.trim() : undefined;
    const params: VirtualMachine = {
      location: region,
      tags: { ...req.tags },
      ...(req.location ? { zones: [req.location.replace(/^.*-/, '')] } : {}),
      hardwareProfile: { vmSize: req.size },
      storageProfile: { imageReference, osDisk: { createOption: 'FromImage', deleteOption: 'Delete' } },
      osProfile: {
        computerName: req.name.slice(0, 64),
        adminUsername: 'nimbo',
        ...(req.userData ? { customData: Buffer.from(req.userData, 'utf8').toString('base64') } : {}),
        ...(sshKey
          ? {
              linuxConfiguration: {
                disablePasswordAuthentication: true,
                ssh: { publicKeys: [{ path: '/home/nimbo/.ssh/authorized_keys', keyData: sshKey }] },
              },
            }
          : {}),
      },
      networkProfile: {
        networkApiVersion: '2020-11-01',
        networkInterfaceConfigurations: [
          {
            name: `${req.name}-nic`,
            primary: true,
            deleteOption: 'Delete',
            ipConfigurations: [{ name: 'ipconfig1', subnet: { id: req.subnetId } }],
          },
        ],
      },
    };
    const compute = await this.azure.compute();
    const context = `create VM ${group}/${req.name}`;
    await this.azure.call(context, () =>
      compute.virtualMachines.beginCreateOrUpdateAndWait(group, req.name, params, this.poll),
    );
    const vm = await this.azure.call(context, () =>
      compute.virtualMachines.get(group, req.name, { expand: 'instanceView' }),
    );
    return toProviderMachine(vm);
  }

  async listSnapshots(ref: MachineRef): Promise<ProviderSnapshot[]> {
    const vm = this.vm(ref);
    const compute = await this.azure.compute();
    const all = await this.azure.call(`list snapshots of VM ${vm.resourceGroup}/${vm.name}`, () =>
      collect(compute.snapshots.listByResourceGroup(vm.resourceGroup)),
    );
    const id = ref.externalId.toLowerCase();
    return all.filter((s) => s.tags?.[SNAPSHOT_TAG]?.toLowerCase() === id).map(toProviderSnapshot);
  }

  /** A full copy of the OS managed disk, tagged with the VM's id; its ARM id is the snapshot id we hand out. */
  async createSnapshot(ref: MachineRef, name: string): Promise<ProviderSnapshot> {
    const vm = this.vm(ref);
    const compute = await this.azure.compute();
    const context = `snapshot VM ${vm.resourceGroup}/${vm.name}`;
    const machine = await this.azure.call(context, () =>
      compute.virtualMachines.get(vm.resourceGroup, vm.name),
    );
    const diskId = machine.storageProfile?.osDisk?.managedDisk?.id;
    if (!diskId) throw new UnprocessableError(`${context}: the VM has no managed OS disk to snapshot`);
    // The name is the id Nimbo hands out, in one strict shape (the API refuses any other before a job);
    // the operator's name is kept in a tag.
    const stamp = this.now().toISOString().replace(/\D/g, '').slice(0, 14);
    const snapName = `nimbo-snap-${stamp}-${randomBytes(4).toString('hex')}`;
    const snap = await this.azure.call(context, () =>
      compute.snapshots.beginCreateOrUpdateAndWait(
        vm.resourceGroup,
        snapName,
        {
          location: machine.location ?? ref.region,
          tags: { [SNAPSHOT_TAG]: ref.externalId, 'nimbo-snapshot-name': name },
          creationData: { createOption: 'Copy', sourceResourceId: diskId },
          incremental: true,
        },
        this.poll,
      ),
    );
    return toProviderSnapshot(snap);
  }

  /** The snapshot, when it is one of this machine's: a stray id must not touch another machine's backup. */
  private async ownSnapshot(ref: MachineRef, snapshotId: string, verb: string) {
    if (!SNAPSHOT_NAME.test(snapshotId)) {
      throw new ProviderNotFoundError(`Azure: ${snapshotId} is not the name of a snapshot`);
    }
    const snap = { resourceGroup: this.vm(ref).resourceGroup, name: snapshotId };
    const compute = await this.azure.compute();
    const context = `${verb} snapshot ${snap.resourceGroup}/${snap.name} of ${ref.externalId}`;
    const found = await this.azure.call(context, () => compute.snapshots.get(snap.resourceGroup, snap.name));
    if (found.tags?.[SNAPSHOT_TAG]?.toLowerCase() !== ref.externalId.toLowerCase()) {
      throw new ProviderNotFoundError(`Azure ${context}: the snapshot is not one of this machine`);
    }
    return { snap, found, compute, context };
  }

  async deleteSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    const { snap, compute, context } = await this.ownSnapshot(ref, snapshotId, 'delete');
    await this.azure.call(context, () =>
      compute.snapshots.beginDeleteAndWait(snap.resourceGroup, snap.name, this.poll),
    );
  }

  /**
   * A new managed disk copied from the snapshot becomes the VM's OS disk. Azure swaps OS disks of a
   * deallocated VM only, so a running one is refused (stop it first). The old disk is kept, not
   * deleted: it is the only copy of what the revert threw away.
   */
  async revertToSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    const vm = this.vm(ref);
    const { found, compute, context } = await this.ownSnapshot(ref, snapshotId, 'revert to');
    const machine = await this.azure.call(context, () =>
      compute.virtualMachines.get(vm.resourceGroup, vm.name, { expand: 'instanceView' }),
    );
    const power = machine.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
    if (power !== 'PowerState/deallocated') {
      throw new MachineStateError(
        `Azure ${context}: the VM must be deallocated (stopped) first, it is ${power ?? 'unknown'}`,
      );
    }
    const stamp = this.now().toISOString().replace(/\D/g, '').slice(0, 14);
    const diskName = `${vm.name}-osdisk-${stamp}`.slice(0, 80);
    const disk = await this.azure.call(context, () =>
      compute.disks.beginCreateOrUpdateAndWait(
        vm.resourceGroup,
        diskName,
        {
          location: machine.location,
          ...(machine.zones ? { zones: machine.zones } : {}),
          tags: { [SNAPSHOT_TAG]: ref.externalId, 'nimbo-restored-from': found.id ?? snapshotId },
          creationData: { createOption: 'Copy', sourceResourceId: found.id ?? snapshotId },
        },
        this.poll,
      ),
    );
    await this.azure.call(context, () =>
      compute.virtualMachines.beginUpdateAndWait(
        vm.resourceGroup,
        vm.name,
        {
          storageProfile: {
            osDisk: {
              // The VM keeps its createOption: only the disk it boots from changes (what `az vm update --os-disk` sends).
              createOption: machine.storageProfile?.osDisk?.createOption ?? 'Attach',
              name: diskName,
              managedDisk: { id: disk.id ?? '' },
            },
          },
        },
        this.poll,
      ),
    );
  }
}
