/**
 * The state of the fake EC2: one Ec2Region per region the client was built for (EC2 is regional: an
 * instance of eu-west-1 does not exist for a client of us-east-1), ids in AWS's shapes, and the errors
 * as the SDK raises them (EC2ServiceException, the AWS code as name and Code).
 */
import { EC2ServiceException, type InstanceStateName, type Tag } from '@aws-sdk/client-ec2';
import { awsId, awsServiceError, Pager } from './faults.js';

export const ACCOUNT_ID = '123456789012';

export function ec2Error(code: string, message: string, status = 400): Error {
  return awsServiceError(EC2ServiceException, code, message, status);
}

/** EC2's instance state codes (the low byte of State.Code). */
export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface FakeVolume {
  id: string;
  sizeGiB: number;
  zone: string;
  /** The instance and device it is attached to; absent when detached (kept after a root replacement). */
  attachment?: { instanceId: string; device: string; deleteOnTermination: boolean; at: Date };
  /** The snapshot it was restored from, if any. */
  snapshotId?: string;
  tags: Record<string, string>;
}

export interface FakeInstance {
  id: string;
  reservationId: string;
  state: InstanceStateName;
  type: string;
  imageId: string;
  zone: string;
  tags: Record<string, string>;
  launchTime: Date;
  privateIp: string;
  publicIp?: string;
  keyName?: string;
  subnetId?: string;
  vpcId?: string;
  userData?: string;
  rootDevice: string;
  /** Every volume that was this instance's root volume, the current one last: a revert's lineage. */
  rootLineage: string[];
}

export interface FakeSnapshot {
  id: string;
  volumeId: string;
  state: 'pending' | 'completed' | 'error';
  startTime: Date;
  description: string;
  sizeGiB: number;
  tags: Record<string, string>;
}

export interface FakeRootTask {
  id: string;
  instanceId: string;
  snapshotId: string;
  state: 'pending' | 'succeeded';
  startTime: Date;
}

export interface FakeVpc {
  id: string;
  cidr: string;
  state: 'pending' | 'available';
  isDefault: boolean;
  tags: Record<string, string>;
}

export interface FakeSubnet {
  id: string;
  vpcId: string;
  cidr: string;
  zone: string;
  state: 'pending' | 'available';
  tags: Record<string, string>;
}

export class Ec2Region {
  readonly instances = new Map<string, FakeInstance>();
  readonly volumes = new Map<string, FakeVolume>();
  readonly snapshots = new Map<string, FakeSnapshot>();
  readonly rootTasks = new Map<string, FakeRootTask>();
  readonly vpcs = new Map<string, FakeVpc>();
  readonly subnets = new Map<string, FakeSubnet>();
  /** RunInstances ClientToken → the reservation it made: a retried launch returns it, launching nothing. */
  readonly clientTokens = new Map<string, string>();

  constructor(readonly name: string) {}

  get zones(): string[] {
    return ['a', 'b', 'c'].map((z) => `${this.name}${z}`);
  }

  instance(id: string | undefined): FakeInstance {
    if (!id || !/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) {
      throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id ?? ''}"`);
    }
    const found = this.instances.get(id);
    if (!found) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return found;
  }

  snapshot(id: string | undefined): FakeSnapshot {
    if (!id || !/^snap-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) {
      throw ec2Error('InvalidSnapshotID.Malformed', `Invalid id: "${id ?? ''}" (expecting "snap-...")`);
    }
    const found = this.snapshots.get(id);
    if (!found) throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    return found;
  }

  /** The volumes attached to an instance, the root device first. */
  attached(instance: FakeInstance): FakeVolume[] {
    const mine = [...this.volumes.values()].filter((v) => v.attachment?.instanceId === instance.id);
    return mine.sort(
      (a, b) =>
        Number(b.attachment?.device === instance.rootDevice) -
        Number(a.attachment?.device === instance.rootDevice),
    );
  }
}

export class Ec2State {
  private readonly regions = new Map<string, Ec2Region>();
  private counter = 0x0a1b2c00;
  readonly pager: Pager;
  /** The fake's clock: launch and snapshot times. */
  now = new Date('2026-12-01T10:00:00Z');

  constructor(pageSize: number) {
    this.pager = new Pager(pageSize);
  }

  /** One page of a listing; a token from elsewhere is refused as EC2 does. */
  page<T>(listing: string, items: T[], token: string | undefined, max: number | undefined) {
    return this.pager.page(listing, items, token, max, (m) => ec2Error('InvalidParameterValue', m));
  }

  region(name: string): Ec2Region {
    let r = this.regions.get(name);
    if (!r) {
      r = new Ec2Region(name);
      this.regions.set(name, r);
    }
    return r;
  }

  allRegions(): Ec2Region[] {
    return [...this.regions.values()];
  }

  id(prefix: string): string {
    this.counter++;
    return awsId(prefix, this.counter);
  }
}

export function toTagList(tags: Record<string, string>): Tag[] | undefined {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  // EC2 leaves tagSet out of an untagged resource rather than answering an empty list.
  return list.length ? list : undefined;
}

/** The tags of TagSpecifications for one resource type, in order. */
export function specTags(
  specs: Array<{ ResourceType?: string; Tags?: Tag[] }> | undefined,
  resourceType: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) continue;
    for (const t of spec.Tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  }
  return out;
}

/** Handles one command: its input, the client's region, the whole fake (for ids and paging). */
export type Ec2Handler<I, O> = (input: I, region: Ec2Region, state: Ec2State) => Omit<O, '$metadata'>;

type CommandClass = new (input: any) => any;
/** Which handler answers which command. */
export type CommandTable = ReadonlyArray<readonly [CommandClass, Ec2Handler<any, any>]>;
