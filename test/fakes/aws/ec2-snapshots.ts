/**
 * EBS snapshots in the fake EC2: CreateSnapshots takes every attached volume of an instance at once
 * (multi-volume, crash-consistent), snapshots are `pending` until settle(), DescribeSnapshots filters by
 * owner, ids and tags and pages, CreateReplaceRootVolumeTask swaps a running instance's root volume for
 * one restored from a snapshot of its root lineage, on settle().
 */
import {
  CreateReplaceRootVolumeTaskCommand,
  type CreateReplaceRootVolumeTaskCommandInput,
  type CreateReplaceRootVolumeTaskCommandOutput,
  CreateSnapshotsCommand,
  type CreateSnapshotsCommandInput,
  type CreateSnapshotsCommandOutput,
  DeleteSnapshotCommand,
  type DeleteSnapshotCommandInput,
  type DeleteSnapshotCommandOutput,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandInput,
  type DescribeSnapshotsCommandOutput,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { describeItems } from './ec2-describe.js';
import {
  ACCOUNT_ID,
  type CommandTable,
  type Ec2Handler,
  type Ec2Region,
  type Ec2State,
  ec2Error,
  type FakeSnapshot,
  specTags,
  toTagList,
} from './ec2-state.js';

function toSnapshot(s: FakeSnapshot): Snapshot {
  return {
    SnapshotId: s.id,
    VolumeId: s.volumeId,
    State: s.state,
    StartTime: s.startTime,
    Progress: s.state === 'completed' ? '100%' : '0%',
    OwnerId: ACCOUNT_ID,
    Description: s.description,
    VolumeSize: s.sizeGiB,
    Encrypted: false,
    StorageTier: 'standard',
    Tags: toTagList(s.tags),
  };
}

export const createSnapshots: Ec2Handler<CreateSnapshotsCommandInput, CreateSnapshotsCommandOutput> = (
  input,
  region,
  state,
) => {
  const instance = region.instance(input.InstanceSpecification?.InstanceId);
  if (instance.state === 'terminated' || instance.state === 'shutting-down') {
    throw ec2Error('IncorrectState', `The instance '${instance.id}' is not in a state to be snapshotted.`);
  }
  const excludeBoot = input.InstanceSpecification?.ExcludeBootVolume === true;
  const excluded = new Set(input.InstanceSpecification?.ExcludeDataVolumeIds ?? []);
  const volumes = region
    .attached(instance)
    .filter((v) => (v.attachment?.device === instance.rootDevice ? !excludeBoot : !excluded.has(v.id)));
  const given = specTags(input.TagSpecifications, 'snapshot');
  const made = volumes.map((v) => {
    const snapshot: FakeSnapshot = {
      id: state.id('snap'),
      volumeId: v.id,
      state: 'pending',
      startTime: state.now,
      description: input.Description ?? '',
      sizeGiB: v.sizeGiB,
      // Tags given for the snapshot win over the volume's copied ones.
      tags: { ...(input.CopyTagsFromSource === 'volume' ? v.tags : {}), ...given },
    };
    region.snapshots.set(snapshot.id, snapshot);
    return snapshot;
  });
  // The answer of CreateSnapshots is SnapshotInfo: a Snapshot without the storage tier.
  return {
    Snapshots: made.map((s) => {
      const { StorageTier: _, ...info } = toSnapshot(s);
      return info;
    }),
  };
};

export const describeSnapshots: Ec2Handler<DescribeSnapshotsCommandInput, DescribeSnapshotsCommandOutput> = (
  input,
  region,
  state,
) => {
  const owners = input.OwnerIds ?? [];
  // Every snapshot of the fake is the account's own.
  const ownerOk = owners.length === 0 || owners.some((o) => o === 'self' || o === ACCOUNT_ID);
  const picked = input.SnapshotIds?.length
    ? input.SnapshotIds.map((id) => region.snapshot(id))
    : [...region.snapshots.values()];
  const page = describeItems(state, `snapshots:${JSON.stringify(owners)}`, input, {
    items: ownerOk ? picked : [],
    fields: (s) => ({
      'volume-id': [s.volumeId],
      status: [s.state],
      'snapshot-id': [s.id],
      'owner-id': [ACCOUNT_ID],
    }),
    tags: (s) => s.tags,
  });
  return { Snapshots: page.items.map(toSnapshot), NextToken: page.next };
};

export const deleteSnapshot: Ec2Handler<DeleteSnapshotCommandInput, DeleteSnapshotCommandOutput> = (
  input,
  region,
) => {
  const snapshot = region.snapshot(input.SnapshotId);
  region.snapshots.delete(snapshot.id);
  return {};
};

export const createReplaceRootVolumeTask: Ec2Handler<
  CreateReplaceRootVolumeTaskCommandInput,
  CreateReplaceRootVolumeTaskCommandOutput
> = (input, region, state) => {
  const instance = region.instance(input.InstanceId);
  if (instance.state !== 'running') {
    throw ec2Error('IncorrectInstanceState', `The instance '${instance.id}' is not in the 'running' state.`);
  }
  if (input.SnapshotId !== undefined) {
    const snapshot = region.snapshot(input.SnapshotId);
    // EC2: "The specified snapshot must be a snapshot that you previously created from the original root volume."
    if (!instance.rootLineage.includes(snapshot.volumeId)) {
      throw ec2Error(
        'InvalidParameterValue',
        `The snapshot '${snapshot.id}' was not created from a root volume of '${instance.id}'.`,
      );
    }
  }
  const id = state.id('replacevol');
  region.rootTasks.set(id, {
    id,
    instanceId: instance.id,
    snapshotId: input.SnapshotId ?? '',
    state: 'pending',
    startTime: state.now,
  });
  return {
    ReplaceRootVolumeTask: {
      ReplaceRootVolumeTaskId: id,
      InstanceId: instance.id,
      TaskState: 'pending',
      StartTime: state.now.toISOString(),
      ...(input.SnapshotId ? { SnapshotId: input.SnapshotId } : {}),
      DeleteReplacedRootVolume: input.DeleteReplacedRootVolume === true,
      Tags: [],
    },
  };
};

/** What settle() does: snapshots complete, root replacements attach their new volume (the old is kept). */
export function settleSnapshots(region: Ec2Region, state: Ec2State): void {
  for (const s of region.snapshots.values()) if (s.state === 'pending') s.state = 'completed';
  for (const task of region.rootTasks.values()) {
    if (task.state !== 'pending') continue;
    task.state = 'succeeded';
    const instance = region.instances.get(task.instanceId);
    if (!instance) continue;
    const old = region.attached(instance).find((v) => v.attachment?.device === instance.rootDevice);
    const id = state.id('vol');
    region.volumes.set(id, {
      id,
      sizeGiB: old?.sizeGiB ?? 8,
      zone: instance.zone,
      attachment: {
        instanceId: instance.id,
        device: instance.rootDevice,
        deleteOnTermination: true,
        at: state.now,
      },
      ...(task.snapshotId ? { snapshotId: task.snapshotId } : {}),
      tags: { ...old?.tags },
    });
    if (old) delete old.attachment;
    instance.rootLineage.push(id);
  }
}

export const SNAPSHOT_COMMANDS: CommandTable = [
  [CreateSnapshotsCommand, createSnapshots],
  [DescribeSnapshotsCommand, describeSnapshots],
  [DeleteSnapshotCommand, deleteSnapshot],
  [CreateReplaceRootVolumeTaskCommand, createReplaceRootVolumeTask],
];
