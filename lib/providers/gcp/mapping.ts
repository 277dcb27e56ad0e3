/**
 * Compute Engine's JSON shapes → the provider-neutral shapes of compute.ts. Pure functions: no call here.
 * Only the fields read are typed, so the client's generated types and the raw REST JSON both fit.
 */
import type { MachineState, ProviderImage, ProviderMachine, ProviderSnapshot } from '../compute.js';

export interface GceInstance {
  id?: string | number | null;
  name?: string | null;
  zone?: string | null;
  status?: string | null;
  machineType?: string | null;
  labels?: Record<string, string> | null;
  creationTimestamp?: string | null;
  networkInterfaces?:
    | {
        networkIP?: string | null;
        accessConfigs?: { natIP?: string | null }[] | null;
        network?: string | null;
        subnetwork?: string | null;
      }[]
    | null;
  disks?: { boot?: boolean | null; source?: string | null }[] | null;
}

const STATES: Record<string, MachineState> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  // TERMINATED is GCE's word for a stopped instance (it can be started again), not a deleted one.
  TERMINATED: 'stopped',
  SUSPENDED: 'stopped',
  REPAIRING: 'error',
};

export function machineState(status: string | null | undefined): MachineState {
  return (status && STATES[status]) || 'unknown';
}

/** The last path segment of a resource URL (zones/x/machineTypes/e2-small → e2-small). */
export function lastSegment(url: string | null | undefined): string {
  return (url ?? '').split('/').pop() ?? '';
}

/** europe-west1-b → europe-west1: a zone name is its region and a one-letter suffix. */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

/**
 * A subnetwork's identity: `<region>/<name>` (names are unique per region only, never change, and every
 * subnetwork call is addressed by region and name). From its URL, as instances link to it.
 */
export function subnetworkId(url: string | null | undefined): string | undefined {
  const m = /\/regions\/([^/]+)\/subnetworks\/([^/]+)$/.exec(url ?? '');
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** The boot disk's name: snapshots are taken of it. */
export function bootDisk(i: GceInstance): string | undefined {
  const disk = i.disks?.find((d) => d.boot) ?? i.disks?.[0];
  return disk?.source ? lastSegment(disk.source) : undefined;
}

/**
 * `region` and `location` both carry the ZONE: every instance call of GCE is addressed by zone, and
 * MachineRef only carries `region` back to the driver.
 */
export function toProviderMachine(i: GceInstance): ProviderMachine {
  const zone = lastSegment(i.zone);
  const pub: string[] = [];
  const priv: string[] = [];
  for (const ni of i.networkInterfaces ?? []) {
    if (ni.networkIP) priv.push(ni.networkIP);
    for (const ac of ni.accessConfigs ?? []) if (ac.natIP) pub.push(ac.natIP);
  }
  const extra: Record<string, string> = {};
  if (i.id !== undefined && i.id !== null) extra.id = String(i.id);
  const disk = bootDisk(i);
  if (disk) extra.bootDisk = disk;
  extra.gcpRegion = regionOfZone(zone);
  // The ids the network driver lists (network name, <region>/<subnetwork name>): machines inside count.
  const nic = i.networkInterfaces?.[0];
  if (nic?.network) extra.vpcId = lastSegment(nic.network);
  const subnet = subnetworkId(nic?.subnetwork);
  if (subnet) extra.subnetId = subnet;
  const launched = i.creationTimestamp ? new Date(i.creationTimestamp) : undefined;
  return {
    // The numeric id, not the name: setName renames an instance in place, and a machine that changed its
    // externalId would look destroyed and re-created to the inventory. GCE takes either in its paths.
    externalId: i.id !== undefined && i.id !== null ? String(i.id) : (i.name ?? ''),
    name: i.name ?? '',
    state: machineState(i.status),
    region: zone,
    location: zone,
    ...(i.machineType ? { size: lastSegment(i.machineType) } : {}),
    publicIps: [...new Set(pub)],
    privateIps: [...new Set(priv)],
    tags: { ...(i.labels ?? {}) },
    ...(launched && !Number.isNaN(launched.getTime()) ? { launchedAt: launched } : {}),
    extra,
  };
}

/**
 * GCE labels: keys and values of lowercase letters, digits, '_' and '-', at most 63 characters, a key
 * starting with a letter. Tags are folded to fit rather than refused, so a tag like Env=Prod still lands.
 */
export function toLabels(tags: Record<string, string> = {}): Record<string, string> {
  const fold = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-')
      .slice(0, 63);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    let key = fold(k);
    if (!/^[a-z]/.test(key)) key = `t-${key}`.slice(0, 63);
    out[key] = fold(v);
  }
  return out;
}

export interface GceImage {
  name?: string | null;
  selfLink?: string | null;
  family?: string | null;
  description?: string | null;
  deprecated?: { state?: string | null } | null;
}

export function toProviderImage(image: GceImage, project: string): ProviderImage {
  const name = image.name ?? '';
  return {
    // The path insert accepts as sourceImage, so an id from the catalogue can be passed back as is.
    id: `projects/${project}/global/images/${name}`,
    name,
    region: 'global',
    os: project.startsWith('windows') ? 'windows' : 'linux',
  };
}

export interface GceSnapshot {
  name?: string | null;
  description?: string | null;
  status?: string | null;
  creationTimestamp?: string | null;
}

export function toProviderSnapshot(s: GceSnapshot): ProviderSnapshot {
  const state = s.status === 'READY' ? 'completed' : s.status === 'FAILED' ? 'error' : 'pending';
  return {
    id: s.name ?? '',
    // The name the operator gave lives in the description: a GCE snapshot name is our generated id.
    name: s.description || s.name || '',
    createdAt: s.creationTimestamp ? new Date(s.creationTimestamp) : new Date(0),
    state,
  };
}
