/** ARM's shapes → the provider-neutral shapes of compute.ts. Pure functions: no Azure call here. */
import type { Snapshot, VirtualMachine, VirtualMachineInstanceView } from '@azure/arm-compute';
import type { MachineState, ProviderMachine, ProviderSnapshot } from '../compute.js';

/** The code after "PowerState/" in a VM's instance view. */
const POWER_STATES: Record<string, MachineState> = {
  running: 'running',
  starting: 'pending',
  stopping: 'stopping',
  deallocating: 'stopping',
  stopped: 'stopped',
  deallocated: 'stopped',
};

/**
 * A VM's state from its statuses: a failed provisioning wins (the VM is unusable whatever its power
 * says), then a deletion in progress, then the power state. No power state at all (ARM is still
 * creating the VM) is pending.
 */
export function machineState(vm: VirtualMachine, view?: VirtualMachineInstanceView): MachineState {
  const statuses = (view ?? vm.instanceView)?.statuses ?? [];
  const codes = statuses.map((s) => (s.code ?? '').toLowerCase());
  const provisioning = (vm.provisioningState ?? '').toLowerCase();
  if (provisioning === 'failed' || codes.includes('provisioningstate/failed')) return 'error';
  if (provisioning === 'deleting' || codes.includes('provisioningstate/deleting')) return 'terminated';
  const power = codes.find((c) => c.startsWith('powerstate/'));
  if (power) return POWER_STATES[power.slice('powerstate/'.length)] ?? 'unknown';
  if (provisioning === 'creating' || codes.some((c) => c.startsWith('provisioningstate/creating'))) {
    return 'pending';
  }
  return 'unknown';
}

const VM_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;
export interface ArmName {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function parse(re: RegExp, id: string): ArmName | undefined {
  const m = re.exec(id);
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}

/** A machine's externalId is its full ARM id, so every call knows the resource group without a lookup. */
export const parseVmId = (id: string) => parse(VM_ID, id);

/** Image reference → "publisher:offer:sku:version" (the az CLI's URN), or the gallery/managed image id. */
function imageName(vm: VirtualMachine): string | undefined {
  const ref = vm.storageProfile?.imageReference;
  if (!ref) return undefined;
  if (ref.publisher && ref.offer && ref.sku)
    return `${ref.publisher}:${ref.offer}:${ref.sku}:${ref.version ?? 'latest'}`;
  return ref.id ?? ref.sharedGalleryImageId ?? ref.communityGalleryImageId;
}

/**
 * `privateIps`/`publicIps` come from the NIC and public-IP listings (one subscription-wide call each);
 * the VM itself only links to its NICs.
 */
export function toProviderMachine(
  vm: VirtualMachine,
  ips: VmAddresses = { publicIps: [], privateIps: [] },
  view?: VirtualMachineInstanceView,
): ProviderMachine {
  const extra: Record<string, string> = {};
  // The ids the network driver lists (lowercased), so a network or subnet knows the machines inside it.
  const vnet = ips.subnetId ? vnetOfSubnet(ips.subnetId) : undefined;
  if (ips.subnetId && vnet) {
    extra.subnetId = ips.subnetId;
    extra.vpcId = vnet;
  }
  const parsed = vm.id ? parseVmId(vm.id) : undefined;
  if (parsed) extra.resourceGroup = parsed.resourceGroup;
  if (vm.vmId) extra.vmId = vm.vmId;
  if (vm.storageProfile?.osDisk?.osType) extra.osType = String(vm.storageProfile.osDisk.osType);
  if (vm.provisioningState) extra.provisioningState = vm.provisioningState;
  const image = imageName(vm);
  const zone = vm.zones?.[0];
  return {
    externalId: vm.id ?? '',
    name: vm.name ?? vm.id ?? '',
    state: machineState(vm, view),
    region: vm.location ?? '',
    ...(zone ? { location: `${vm.location}-${zone}` } : {}),
    ...(vm.hardwareProfile?.vmSize ? { size: vm.hardwareProfile.vmSize } : {}),
    ...(image ? { image } : {}),
    publicIps: ips.publicIps,
    privateIps: ips.privateIps,
    tags: { ...(vm.tags ?? {}) },
    ...(vm.timeCreated ? { launchedAt: new Date(vm.timeCreated) } : {}),
    extra,
  };
}

export function toProviderSnapshot(s: Snapshot): ProviderSnapshot {
  const p = (s.provisioningState ?? '').toLowerCase();
  return {
    // The snapshot's name, not its ARM id: it sits in the VM's resource group, and an id with slashes
    // would not fit in one path segment of /v1/machines/{id}/snapshots/{snapshotId}.
    id: s.name ?? '',
    name: s.tags?.['nimbo-snapshot-name'] ?? s.name ?? '',
    createdAt: s.timeCreated ? new Date(s.timeCreated) : new Date(0),
    state: p === 'succeeded' ? 'completed' : p === 'failed' ? 'error' : 'pending',
  };
}

/** The little of a NIC and a public IP that addresses need (arm-network's shapes, flattened by the SDK). */
export interface NicLike {
  virtualMachine?: { id?: string };
  ipConfigurations?: {
    privateIPAddress?: string;
    publicIPAddress?: { id?: string };
    subnet?: { id?: string };
  }[];
}

/** What a VM's NICs tell: its addresses, and the subnet (and so the virtual network) of its first one. */
export interface VmAddresses {
  publicIps: string[];
  privateIps: string[];
  /** Lowercased ARM id, as the network driver reports subnets: ARM ids are case-insensitive. */
  subnetId?: string;
}

/** /subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet> → the virtual network's id. */
export function vnetOfSubnet(subnetId: string): string | undefined {
  const m = /^(.*\/virtualnetworks\/[^/]+)\/subnets\/[^/]+$/i.exec(subnetId);
  return m?.[1];
}
export interface PublicIpLike {
  id?: string;
  ipAddress?: string;
}

/**
 * Each VM's addresses, keyed by its lowercased ARM id: the private IPs of its NICs' ipConfigurations,
 * and the address of each public IP resource they link to. ARM ids are case-insensitive.
 */
export function addressesByVm(nics: NicLike[], publicIps: PublicIpLike[]) {
  const publicById = new Map(
    publicIps.filter((p) => p.id && p.ipAddress).map((p) => [p.id!.toLowerCase(), p.ipAddress!]),
  );
  const out = new Map<string, VmAddresses>();
  for (const nic of nics) {
    const vmId = nic.virtualMachine?.id?.toLowerCase();
    if (!vmId) continue;
    const entry: VmAddresses = out.get(vmId) ?? { publicIps: [], privateIps: [] };
    for (const c of nic.ipConfigurations ?? []) {
      if (!entry.subnetId && c.subnet?.id) entry.subnetId = c.subnet.id.toLowerCase();
      if (c.privateIPAddress && !entry.privateIps.includes(c.privateIPAddress))
        entry.privateIps.push(c.privateIPAddress);
      const pub = c.publicIPAddress?.id ? publicById.get(c.publicIPAddress.id.toLowerCase()) : undefined;
      if (pub && !entry.publicIps.includes(pub)) entry.publicIps.push(pub);
    }
    out.set(vmId, entry);
  }
  return out;
}
