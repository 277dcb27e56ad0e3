/**
 * Snapshot sets on EC2, request by request: how a set is tagged, grouped and summarized, how a revert finds
 * the root snapshot, what an already deleted member does. Taking, listing and deleting a set end to end
 * is in the conformance suite; reverting over the stateful fake EC2 in revert.test.ts.
 */
import {
  CreateReplaceRootVolumeTaskCommand,
  CreateSnapshotsCommand,
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/core/errors.js';
import { CAPABILITIES } from '../../../lib/providers/capabilities.js';
import { ProviderNotFoundError } from '../../../lib/providers/errors.js';
import { awsError, instance, makeDriver } from './fixtures.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterAll(() => ec2.restore());

const ref = { externalId: 'i-0123', region: 'eu-west-1' };

/** The instance with a root volume and a data volume. */
function withVolumes(rootVolume: string) {
  return {
    Reservations: [
      {
        Instances: [
          instance('i-0123', {
            RootDeviceName: '/dev/xvda',
            BlockDeviceMappings: [
              { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-data' } },
              { DeviceName: '/dev/xvda', Ebs: { VolumeId: rootVolume } },
            ],
          }),
        ],
      },
    ],
  };
}

function snap(id: string, set: string, volume: string, extra: Partial<Snapshot> & { root?: string } = {}) {
  const { root, ...rest } = extra;
  return {
    SnapshotId: id,
    VolumeId: volume,
    State: 'completed' as const,
    StartTime: new Date('2026-11-25T10:00:00Z'),
    Tags: [
      { Key: 'nimbo:snapshot-set', Value: set },
      { Key: 'nimbo:name', Value: `name of ${set}` },
      { Key: 'nimbo:instance', Value: 'i-0123' },
      ...(root ? [{ Key: 'nimbo:root-volume', Value: root }] : []),
    ],
    ...rest,
  };
}

describe('snapshot sets', () => {
  it('creates one EBS snapshot set of every volume, tagged with the set id, name, instance and root volume', async () => {
    ec2.on(DescribeInstancesCommand).resolves(withVolumes('vol-root'));
    ec2.on(CreateSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-r',
          VolumeId: 'vol-root',
          State: 'pending',
          StartTime: new Date('2026-11-25T10:00:01Z'),
        },
        {
          SnapshotId: 'snap-d',
          VolumeId: 'vol-data',
          State: 'pending',
          StartTime: new Date('2026-11-25T10:00:00Z'),
        },
      ],
    });
    const { driver } = makeDriver();
    const created = await driver.createSnapshot(ref, 'before upgrade');
    expect(created.id).toMatch(CAPABILITIES.aws.snapshotIds!.pattern);
    expect(created).toMatchObject({
      name: 'before upgrade',
      state: 'pending',
      createdAt: new Date('2026-11-25T10:00:00Z'),
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: ['i-0123'] });
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotsCommand, {
      InstanceSpecification: { InstanceId: 'i-0123', ExcludeBootVolume: false },
      Description: expect.stringContaining('before upgrade'),
      CopyTagsFromSource: 'volume',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: 'nimbo:snapshot-set', Value: created.id },
            { Key: 'nimbo:name', Value: 'before upgrade' },
            { Key: 'nimbo:instance', Value: 'i-0123' },
            { Key: 'nimbo:root-volume', Value: 'vol-root' },
          ],
        },
      ],
    });
  });

  it('lists the snapshots of the instance across pages, grouped by set', async () => {
    ec2
      .on(DescribeSnapshotsCommand)
      .resolvesOnce({
        Snapshots: [
          snap('snap-1', 'set-a', 'vol-root', { StartTime: new Date('2026-11-25T10:00:05Z') }),
          snap('snap-2', 'set-b', 'vol-root', {
            State: 'pending',
            StartTime: new Date('2026-11-25T11:00:00Z'),
          }),
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Snapshots: [
          snap('snap-3', 'set-a', 'vol-data', { StartTime: new Date('2026-11-25T10:00:00Z') }),
          snap('snap-4', 'set-b', 'vol-data'),
          snap('snap-5', 'set-c', 'vol-root', {
            State: 'error',
            StartTime: new Date('2026-11-25T12:00:00Z'),
          }),
          snap('snap-6', 'set-c', 'vol-data', {
            State: 'pending',
            StartTime: new Date('2026-11-25T12:00:00Z'),
          }),
          { SnapshotId: 'snap-manual', Tags: [{ Key: 'nimbo:instance', Value: 'i-0123' }] },
        ],
      });
    const { driver } = makeDriver();
    const sets = await driver.listSnapshots(ref);
    expect(sets).toEqual([
      { id: 'set-a', name: 'name of set-a', state: 'completed', createdAt: new Date('2026-11-25T10:00:00Z') },
      { id: 'set-b', name: 'name of set-b', state: 'pending', createdAt: new Date('2026-11-25T10:00:00Z') },
      { id: 'set-c', name: 'name of set-c', state: 'error', createdAt: new Date('2026-11-25T12:00:00Z') },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 2);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeSnapshotsCommand, 1, {
      OwnerIds: ['self'],
      Filters: [{ Name: 'tag:nimbo:instance', Values: ['i-0123'] }],
    });
    expect(ec2).toHaveReceivedNthCommandWith(DescribeSnapshotsCommand, 2, { NextToken: 'page-2' });
  });

  it('reverts by replacing the root volume from the set snapshot of the root volume', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        snap('snap-d', 'set-a', 'vol-data', { root: 'vol-root' }),
        snap('snap-r', 'set-a', 'vol-root', { root: 'vol-root' }),
      ],
    });
    ec2
      .on(CreateReplaceRootVolumeTaskCommand)
      .resolves({ ReplaceRootVolumeTask: { ReplaceRootVolumeTaskId: 'r-1' } });
    const { driver } = makeDriver();
    await driver.revertToSnapshot(ref, 'set-a');
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      Filters: [
        { Name: 'tag:nimbo:instance', Values: ['i-0123'] },
        { Name: 'tag:nimbo:snapshot-set', Values: ['set-a'] },
      ],
    });
    expect(ec2).toHaveReceivedCommandWith(CreateReplaceRootVolumeTaskCommand, {
      InstanceId: 'i-0123',
      SnapshotId: 'snap-r',
    });
  });

  it("falls back to the instance's current root volume for a set without the root-volume tag", async () => {
    ec2.on(DescribeInstancesCommand).resolves(withVolumes('vol-root'));
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [snap('snap-d', 'set-a', 'vol-data'), snap('snap-r', 'set-a', 'vol-root')],
    });
    ec2.on(CreateReplaceRootVolumeTaskCommand).resolves({});
    const { driver } = makeDriver();
    await driver.revertToSnapshot(ref, 'set-a');
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: ['i-0123'] });
    expect(ec2).toHaveReceivedCommandWith(CreateReplaceRootVolumeTaskCommand, {
      InstanceId: 'i-0123',
      SnapshotId: 'snap-r',
    });
  });

  it('refuses to revert to a set that holds no snapshot of the root volume', async () => {
    ec2.on(DescribeInstancesCommand).resolves(withVolumes('vol-root'));
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snap('snap-d', 'set-a', 'vol-data')] });
    const { driver } = makeDriver();
    await expect(driver.revertToSnapshot(ref, 'set-a')).rejects.toThrow(ProviderError);
    expect(ec2).not.toHaveReceivedCommand(CreateReplaceRootVolumeTaskCommand);
  });

  it('deletes every snapshot of the set', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [snap('snap-1', 'set-a', 'vol-root'), snap('snap-2', 'set-a', 'vol-data')],
    });
    ec2
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-2' })
      .rejects(awsError('InvalidSnapshot.NotFound', "The snapshot 'snap-2' does not exist."));
    ec2.on(DeleteSnapshotCommand, { SnapshotId: 'snap-1' }).resolves({});
    const { driver } = makeDriver();
    // snap-2 was already gone: the set is deleted all the same.
    await driver.deleteSnapshot(ref, 'set-a');
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-1' });
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-2' });
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 2);
  });

  it('answers ProviderNotFoundError for a set with no snapshots, deleting nothing', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    const { driver } = makeDriver();
    await expect(driver.deleteSnapshot(ref, 'set-gone')).rejects.toThrow(ProviderNotFoundError);
    await expect(driver.revertToSnapshot(ref, 'set-gone')).rejects.toThrow(ProviderNotFoundError);
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
  });
});
