/**
 * Machine snapshots on EC2. An instance has several EBS volumes, so a Nimbo snapshot is a SET: one
 * CreateSnapshots call snapshots every volume at the same instant (crash-consistent), and tags each EBS
 * snapshot with the set's id. The set id is what Nimbo shows as the snapshot id; reverting replaces the
 * root volume from the set's root snapshot (data volumes stay as they are, as EC2's own revert does).
 */
import { randomBytes } from 'node:crypto';
import {
  CreateReplaceRootVolumeTaskCommand,
  CreateSnapshotsCommand,
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type Filter,
  type Instance,
  type Snapshot,
  type SnapshotInfo,
} from '@aws-sdk/client-ec2';
import { ProviderError } from '../../core/errors.js';
import type { MachineRef, ProviderSnapshot } from '../compute.js';
import { ProviderNotFoundError } from '../errors.js';
import { allPages, type Ec2Call } from './client.js';
import { tagRecord, toTags } from './mapping.js';

export const SET_TAG = 'nimbo:snapshot-set';
export const NAME_TAG = 'nimbo:name';
export const INSTANCE_TAG = 'nimbo:instance';
/**
 * The root volume's id when the set was taken. A revert gives the instance a NEW root volume, so the
 * instance's current root volume id no longer matches any older set: the set must remember its own.
 */
export const ROOT_VOLUME_TAG = 'nimbo:root-volume';

export function newSnapshotSetId(): string {
  return `snapset-${randomBytes(8).toString('hex')}`;
}

export async function describeInstance(call: Ec2Call, ref: MachineRef): Promise<Instance> {
  const out = await call(
    ref.region,
    'DescribeInstances',
    (ec2) => ec2.send(new DescribeInstancesCommand({ InstanceIds: [ref.externalId] })),
    ref.externalId,
  );
  const instance = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
  if (!instance) throw new ProviderNotFoundError(`EC2 instance ${ref.externalId} not found in ${ref.region}`);
  return instance;
}

export function rootVolumeId(instance: Instance): string | undefined {
  const root = instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName);
  return root?.Ebs?.VolumeId;
}

type AnySnapshot = Snapshot | SnapshotInfo;

function summarize(
  setId: string,
  snapshots: AnySnapshot[],
  fallbackName: string,
  now: Date,
): ProviderSnapshot {
  const states = snapshots.map((s) => s.State);
  // A failed member can never complete, so error wins over pending.
  const state = states.includes('error')
    ? 'error'
    : states.some((s) => s === 'pending' || s === 'recovering')
      ? 'pending'
      : 'completed';
  const starts = snapshots.flatMap((s) => (s.StartTime ? [s.StartTime.getTime()] : []));
  const name = snapshots.map((s) => tagRecord(s.Tags)[NAME_TAG]).find((n) => n) ?? fallbackName;
  return { id: setId, name, createdAt: new Date(starts.length ? Math.min(...starts) : now.getTime()), state };
}

export async function createSnapshotSet(
  call: Ec2Call,
  ref: MachineRef,
  name: string,
  now: Date,
): Promise<ProviderSnapshot> {
  const rootVolume = rootVolumeId(await describeInstance(call, ref));
  const setId = newSnapshotSetId();
  const tags: Record<string, string> = {
    [SET_TAG]: setId,
    [NAME_TAG]: name.slice(0, 256),
    [INSTANCE_TAG]: ref.externalId,
    ...(rootVolume ? { [ROOT_VOLUME_TAG]: rootVolume } : {}),
  };
  const out = await call(
    ref.region,
    'CreateSnapshots',
    (ec2) =>
      ec2.send(
        new CreateSnapshotsCommand({
          InstanceSpecification: { InstanceId: ref.externalId, ExcludeBootVolume: false },
          Description: `Nimbo snapshot ${setId} of ${ref.externalId}: ${name}`.slice(0, 255),
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: toTags(tags) }],
          CopyTagsFromSource: 'volume',
        }),
      ),
    ref.externalId,
  );
  return summarize(setId, out.Snapshots ?? [], name, now);
}

async function describeSnapshots(call: Ec2Call, ref: MachineRef, filters: Filter[]): Promise<Snapshot[]> {
  return allPages((token) =>
    call(
      ref.region,
      'DescribeSnapshots',
      async (ec2) => {
        const out = await ec2.send(
          new DescribeSnapshotsCommand({
            OwnerIds: ['self'],
            Filters: [{ Name: `tag:${INSTANCE_TAG}`, Values: [ref.externalId] }, ...filters],
            MaxResults: 1000,
            NextToken: token,
          }),
        );
        return { items: out.Snapshots, next: out.NextToken };
      },
      ref.externalId,
    ),
  );
}

export async function listSnapshotSets(
  call: Ec2Call,
  ref: MachineRef,
  now: Date,
): Promise<ProviderSnapshot[]> {
  const sets = new Map<string, Snapshot[]>();
  for (const s of await describeSnapshots(call, ref, [])) {
    const setId = tagRecord(s.Tags)[SET_TAG];
    // Snapshots tagged with the instance but not a set were not taken by Nimbo's createSnapshot.
    if (!setId) continue;
    sets.set(setId, [...(sets.get(setId) ?? []), s]);
  }
  return [...sets.entries()]
    .map(([setId, snapshots]) => summarize(setId, snapshots, setId, now))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

async function setMembers(call: Ec2Call, ref: MachineRef, setId: string): Promise<Snapshot[]> {
  const members = await describeSnapshots(call, ref, [{ Name: `tag:${SET_TAG}`, Values: [setId] }]);
  if (members.length === 0) {
    throw new ProviderNotFoundError(
      `EC2 snapshot set ${setId} of ${ref.externalId} in ${ref.region} has no snapshots`,
    );
  }
  return members;
}

export async function deleteSnapshotSet(call: Ec2Call, ref: MachineRef, setId: string): Promise<void> {
  const members = await setMembers(call, ref, setId);
  await Promise.all(
    members.map(async (s) => {
      try {
        await call(
          ref.region,
          'DeleteSnapshot',
          (ec2) => ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.SnapshotId })),
          s.SnapshotId,
        );
      } catch (err) {
        // Already gone (a retried delete, or removed in the console): the goal is reached.
        if (!(err instanceof ProviderNotFoundError)) throw err;
      }
    }),
  );
}

export async function revertToSnapshotSet(call: Ec2Call, ref: MachineRef, setId: string): Promise<void> {
  const members = await setMembers(call, ref, setId);
  let root = members.find((s) => s.VolumeId && tagRecord(s.Tags)[ROOT_VOLUME_TAG] === s.VolumeId);
  if (!root) {
    // A set taken without the root-volume tag: the instance's current root volume is the best guess.
    const current = rootVolumeId(await describeInstance(call, ref));
    root = members.find((s) => current !== undefined && s.VolumeId === current);
  }
  if (!root?.SnapshotId) {
    throw new ProviderError(
      `EC2 snapshot set ${setId} of ${ref.externalId} in ${ref.region} holds no snapshot of the root volume`,
    );
  }
  const snapshotId = root.SnapshotId;
  // The replaced root volume is kept (EC2's default): it is the only copy of what the revert discarded.
  await call(
    ref.region,
    'CreateReplaceRootVolumeTask',
    (ec2) =>
      ec2.send(
        new CreateReplaceRootVolumeTaskCommand({ InstanceId: ref.externalId, SnapshotId: snapshotId }),
      ),
    ref.externalId,
  );
}
