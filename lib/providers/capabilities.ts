/**
 * What can be done, decided before any provider is called: per provider, which operations exist at all;
 * per machine state, which actions make sense (mist's defaults, by libcloud state). The API answers 422
 * when either says no.
 */
import type { MachineState } from './compute.js';

export const PROVIDERS = ['aws', 'gcp', 'azure', 'digitalocean', 'hetzner', 'sim', 'ssh'] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * `remove` forgets a bring-your-own host (mist's "remove" for Other servers): the machine leaves the
 * inventory (marked missing) and nothing is done on the host itself. Clouds with a real API destroy instead.
 */
export const MACHINE_ACTIONS = ['start', 'stop', 'reboot', 'destroy', 'resize', 'rename', 'remove'] as const;
export type MachineAction = (typeof MACHINE_ACTIONS)[number];

/** What the API-driven clouds do; `remove` is only for hosts Nimbo does not own. */
const CLOUD_ACTIONS: readonly MachineAction[] = ['start', 'stop', 'reboot', 'destroy', 'resize', 'rename'];

export const SNAPSHOT_ACTIONS = ['createSnapshot', 'deleteSnapshot', 'revertToSnapshot'] as const;
export type SnapshotAction = (typeof SNAPSHOT_ACTIONS)[number];

export interface ProviderCapabilities {
  compute: true;
  actions: readonly MachineAction[];
  snapshots: boolean;
  create: boolean;
  /** States in which a resize is possible (EC2 changes the instance type only when stopped). */
  resizeStates: readonly MachineState[];
  /** States in which a rename is possible, when the provider restricts it (GCE renames stopped instances only). */
  renameStates?: readonly MachineState[];
  /**
   * The power actions that take `force` (PowerOptions): cut the power instead of asking the guest.
   * EC2 forces a stop; DigitalOcean powers off and power-cycles, Hetzner powers off and resets.
   */
  forceable?: readonly ('stop' | 'reboot')[];
  /** Shown in the API, so nobody mistakes a simulator for a cloud. */
  label: string;
  /**
   * The provider reports no power state (bring-your-own hosts): its actions are offered in any state but
   * terminated, and reboot goes over SSH, so it needs a working key when it runs.
   */
  stateless?: boolean;
  /** DNS zones and records (lib/providers/dns.ts); absent means not supported. */
  dns?: boolean;
  /** With `dns`: false when the provider's DNS serves public zones only (Azure: private zones are another API). */
  privateZones?: boolean;
  /** Networks and subnets (lib/providers/network.ts); absent means not supported. */
  network?: boolean;
  /**
   * The shape of the snapshot ids the driver hands out and takes back (with `snapshots`): the API refuses
   * any other id for this provider's machines before asking the provider anything.
   */
  snapshotIds?: { pattern: RegExp; shape: string };
}

export const CAPABILITIES: Record<Provider, ProviderCapabilities> = {
  aws: {
    compute: true,
    actions: CLOUD_ACTIONS,
    snapshots: true,
    create: true,
    resizeStates: ['stopped'],
    forceable: ['stop'],
    label: 'Amazon Web Services (EC2)',
    dns: true,
    network: true,
    // The id of a Nimbo snapshot SET (lib/providers/aws/snapshots.ts): every volume at one instant.
    snapshotIds: {
      pattern: /^snapset-[0-9a-f]{16}$/,
      shape: '"snapset-" and 16 lowercase hex digits (a snapshot set, not an EBS snapshot id snap-...)',
    },
  },
  gcp: {
    compute: true,
    actions: CLOUD_ACTIONS,
    snapshots: true,
    create: true,
    // setMachineType and setName need a TERMINATED (stopped) instance.
    resizeStates: ['stopped'],
    renameStates: ['stopped'],
    label: 'Google Cloud (Compute Engine)',
    // Cloud DNS (public and private managed zones); custom-mode VPC networks and their subnetworks.
    dns: true,
    network: true,
    // The name of a GCE snapshot Nimbo took (lib/providers/gcp/compute.ts).
    snapshotIds: {
      pattern: /^nimbo-snap-[a-z0-9]{1,12}-[0-9a-f]{8}$/,
      shape: '"nimbo-snap-", the time in base 36, "-" and 8 lowercase hex digits',
    },
  },
  azure: {
    compute: true,
    // An Azure VM's name is part of its resource id: it cannot be renamed.
    actions: ['start', 'stop', 'reboot', 'destroy', 'resize'],
    snapshots: true,
    create: true,
    // A running VM is resized in place when its cluster offers the size; a deallocated one always.
    resizeStates: ['stopped', 'running'],
    label: 'Microsoft Azure (Virtual Machines)',
    // Azure DNS serves public zones; private ones are Azure Private DNS, another API not used here.
    dns: true,
    privateZones: false,
    network: true,
    // A managed-disk snapshot's name in the VM's resource group (lib/providers/azure/compute.ts).
    snapshotIds: {
      pattern: /^nimbo-snap-\d{14}-[0-9a-f]{8}$/,
      shape: '"nimbo-snap-", the UTC time as 14 digits, "-" and 8 lowercase hex digits',
    },
  },
  digitalocean: {
    compute: true,
    actions: CLOUD_ACTIONS,
    snapshots: true,
    create: true,
    // A droplet is resized (CPU and RAM, disk kept) only when powered off.
    resizeStates: ['stopped'],
    forceable: ['stop', 'reboot'],
    label: 'DigitalOcean (Droplets)',
    // Domains are public; VPCs are regional networks without subnets (NetworkLimits.subnets false).
    dns: true,
    privateZones: false,
    network: true,
    // A droplet snapshot is an image: its numeric id.
    snapshotIds: { pattern: /^\d{1,19}$/, shape: "the snapshot image's numeric id" },
  },
  hetzner: {
    compute: true,
    actions: CLOUD_ACTIONS,
    snapshots: true,
    create: true,
    // change_type needs a server that is off.
    resizeStates: ['stopped'],
    forceable: ['stop', 'reboot'],
    label: 'Hetzner Cloud (Servers)',
    // Zones of the Cloud API's DNS are public; networks span the project, subnets sit in network zones.
    dns: true,
    privateZones: false,
    network: true,
    // A server snapshot is an image of type snapshot: its numeric id.
    snapshotIds: { pattern: /^\d{1,19}$/, shape: "the snapshot image's numeric id" },
  },
  sim: {
    compute: true,
    actions: CLOUD_ACTIONS,
    snapshots: true,
    create: true,
    resizeStates: ['stopped', 'running'],
    // The simulator's power is cut either way; it takes force so schedules that use it can be tried.
    forceable: ['stop', 'reboot'],
    label: 'Simulated cloud (not a real provider: for local mode, demos, tests and benchmarks)',
    dns: true,
    network: true,
    snapshotIds: { pattern: /^simsnap-[0-9a-f]{12}$/, shape: '"simsnap-" and 12 lowercase hex digits' },
  },
  ssh: {
    compute: true,
    actions: ['reboot', 'remove'],
    snapshots: false,
    create: false,
    resizeStates: [],
    label: 'Bring-your-own hosts over SSH (machines added by address)',
    stateless: true,
  },
};

const BY_STATE: Record<MachineState, readonly MachineAction[]> = {
  running: ['stop', 'reboot', 'destroy', 'rename', 'resize'],
  stopped: ['start', 'destroy', 'rename', 'resize'],
  unknown: ['start', 'destroy', 'rename'],
  error: ['destroy', 'rename'],
  pending: ['destroy', 'rename'],
  rebooting: ['destroy', 'rename'],
  stopping: ['destroy', 'rename'],
  terminated: [],
};

export type ActionFlags = Record<MachineAction | 'snapshot', boolean>;

/** The capability flags stored on each machine and recomputed on every poll (mist's machine.actions). */
export function actionFlags(provider: Provider, state: MachineState): ActionFlags {
  const caps = CAPABILITIES[provider];
  const byState = caps.stateless && state !== 'terminated' ? caps.actions : BY_STATE[state];
  const allowed = new Set(byState.filter((a) => caps.actions.includes(a)));
  if (!caps.resizeStates.includes(state)) allowed.delete('resize');
  if (caps.renameStates && !caps.renameStates.includes(state)) allowed.delete('rename');
  const flags = Object.fromEntries(MACHINE_ACTIONS.map((a) => [a, allowed.has(a)])) as ActionFlags;
  flags.snapshot = caps.snapshots && state !== 'terminated';
  return flags;
}
