/**
 * The AWS EC2 compute driver: one cloud is one AWS account across the regions it was configured with.
 * Listings ask every region in parallel and fail as a whole when any region fails, naming it: the
 * inventory service keeps its last good picture of a failing cloud, and a partial answer would wrongly
 * make that region's machines look deleted.
 */
import { randomUUID } from 'node:crypto';
import {
  type _InstanceType,
  CreateTagsCommand,
  DescribeInstancesCommand,
  type EC2Client,
  ModifyInstanceAttributeCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ConfigurationError, ProviderError } from '../../core/errors.js';
import type {
  ComputeDriver,
  CreateMachineRequest,
  MachineRef,
  PowerOptions,
  ProviderImage,
  ProviderLocation,
  ProviderMachine,
  ProviderSize,
  ProviderSnapshot,
} from '../compute.js';
import { listRegionImages, listRegionLocations, listRegionSizes } from './catalog.js';
import { allPages, Ec2Regions } from './client.js';
import { type AwsContextDeps, awsContext } from './context.js';
import type { AwsCredentials } from './credentials.js';
import { toProviderMachine, toTags } from './mapping.js';
import { createSnapshotSet, deleteSnapshotSet, listSnapshotSets, revertToSnapshotSet } from './snapshots.js';

export interface AwsCloudConfig {
  cloudId: string;
  regions: string[];
  credentials: AwsCredentials;
  /** `settings.endpoint`: EC2's base URL instead of AWS's regional one. */
  endpoint?: string;
}

export interface AwsDriverDeps extends AwsContextDeps {
  clientFor?: (region: string) => EC2Client;
}

export class AwsComputeDriver implements ComputeDriver {
  private readonly ec2: Ec2Regions;
  private readonly now: () => Date;

  private readonly config: AwsCloudConfig;

  constructor(config: AwsCloudConfig, deps: AwsDriverDeps = {}) {
    // A region listed twice would list its machines twice.
    this.config = { ...config, regions: [...new Set(config.regions)] };
    if (this.config.regions.length === 0) {
      throw new ConfigurationError(`AWS cloud ${config.cloudId} has no regions configured`);
    }
    this.now = deps.now ?? (() => new Date());
    const context = awsContext(
      { cloudId: config.cloudId, region: this.config.regions[0]!, credentials: config.credentials },
      deps,
    );
    this.ec2 = new Ec2Regions({
      ...context,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(deps.clientFor ? { clientFor: deps.clientFor } : {}),
    });
  }

  private get call() {
    return this.ec2.call;
  }

  private async everyRegion<T>(list: (region: string) => Promise<T[]>): Promise<T[]> {
    return (await Promise.all(this.config.regions.map(list))).flat();
  }

  /** DescribeInstances in every region: it proves the credentials AND the permission Nimbo needs most. */
  async checkConnection(): Promise<void> {
    await this.everyRegion(async (region) => {
      await this.call(region, 'DescribeInstances', (ec2) =>
        ec2.send(new DescribeInstancesCommand({ MaxResults: 5 })),
      );
      return [];
    });
  }

  listMachines(): Promise<ProviderMachine[]> {
    return this.everyRegion(async (region) => {
      const reservations = await allPages((token) =>
        this.call(region, 'DescribeInstances', async (ec2) => {
          const out = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken: token }));
          return { items: out.Reservations, next: out.NextToken };
        }),
      );
      return reservations.flatMap((r) => r.Instances ?? []).map((i) => toProviderMachine(i, region));
    });
  }

  listImages(): Promise<ProviderImage[]> {
    return this.everyRegion((region) => listRegionImages(this.call, region));
  }

  listSizes(): Promise<ProviderSize[]> {
    return listRegionSizes(this.call, this.config.regions[0]!);
  }

  listLocations(): Promise<ProviderLocation[]> {
    return this.everyRegion((region) => listRegionLocations(this.call, region));
  }

  async startMachine(ref: MachineRef): Promise<void> {
    await this.call(
      ref.region,
      'StartInstances',
      (ec2) => ec2.send(new StartInstancesCommand({ InstanceIds: [ref.externalId] })),
      ref.externalId,
    );
  }

  async stopMachine(ref: MachineRef, options: PowerOptions = {}): Promise<void> {
    await this.call(
      ref.region,
      'StopInstances',
      (ec2) =>
        ec2.send(
          new StopInstancesCommand({
            InstanceIds: [ref.externalId],
            ...(options.force ? { Force: true } : {}),
          }),
        ),
      ref.externalId,
    );
  }

  async rebootMachine(ref: MachineRef): Promise<void> {
    await this.call(
      ref.region,
      'RebootInstances',
      (ec2) => ec2.send(new RebootInstancesCommand({ InstanceIds: [ref.externalId] })),
      ref.externalId,
    );
  }

  async destroyMachine(ref: MachineRef): Promise<void> {
    await this.call(
      ref.region,
      'TerminateInstances',
      (ec2) => ec2.send(new TerminateInstancesCommand({ InstanceIds: [ref.externalId] })),
      ref.externalId,
    );
  }

  /** EC2 changes the type of a stopped instance only: a running one answers IncorrectInstanceState (409). */
  async resizeMachine(ref: MachineRef, size: string): Promise<void> {
    await this.call(
      ref.region,
      'ModifyInstanceAttribute',
      (ec2) =>
        ec2.send(
          new ModifyInstanceAttributeCommand({ InstanceId: ref.externalId, InstanceType: { Value: size } }),
        ),
      ref.externalId,
    );
  }

  async renameMachine(ref: MachineRef, name: string): Promise<void> {
    await this.call(
      ref.region,
      'CreateTags',
      (ec2) =>
        ec2.send(
          new CreateTagsCommand({ Resources: [ref.externalId], Tags: [{ Key: 'Name', Value: name }] }),
        ),
      ref.externalId,
    );
  }

  async createMachine(req: CreateMachineRequest): Promise<ProviderMachine> {
    // One token for every try: if a throttled-then-retried RunInstances did go through, EC2 returns
    // the same instance instead of launching a second one.
    const clientToken = randomUUID();
    const out = await this.call(req.region, 'RunInstances', (ec2) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: req.image,
          InstanceType: req.size as _InstanceType,
          MinCount: 1,
          MaxCount: 1,
          ClientToken: clientToken,
          ...(req.keyName ? { KeyName: req.keyName } : {}),
          ...(req.subnetId ? { SubnetId: req.subnetId } : {}),
          ...(req.userData ? { UserData: Buffer.from(req.userData, 'utf8').toString('base64') } : {}),
          ...(req.location ? { Placement: { AvailabilityZone: req.location } } : {}),
          TagSpecifications: [{ ResourceType: 'instance', Tags: toTags({ ...req.tags, Name: req.name }) }],
        }),
      ),
    );
    const instance = out.Instances?.[0];
    if (!instance?.InstanceId) {
      throw new ProviderError(`EC2 RunInstances in ${req.region}: AWS returned no instance`);
    }
    return toProviderMachine(instance, req.region);
  }

  listSnapshots(ref: MachineRef): Promise<ProviderSnapshot[]> {
    return listSnapshotSets(this.call, ref, this.now());
  }

  createSnapshot(ref: MachineRef, name: string): Promise<ProviderSnapshot> {
    return createSnapshotSet(this.call, ref, name, this.now());
  }

  deleteSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    return deleteSnapshotSet(this.call, ref, snapshotId);
  }

  revertToSnapshot(ref: MachineRef, snapshotId: string): Promise<void> {
    return revertToSnapshotSet(this.call, ref, snapshotId);
  }
}
