/**
 * The AWS network driver: VPCs and subnets through EC2, in every region of the cloud. Names are the Name
 * tag, as in the console. Listings fail as a whole when a region fails (as machine listings do), so a
 * failing region never makes its networks look deleted.
 */
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { ConfigurationError, ProviderError } from '../../core/errors.js';
import type {
  CreateNetworkRequest,
  CreateSubnetRequest,
  NetworkDriver,
  NetworkRef,
  ProviderNetwork,
  ProviderSubnet,
} from '../network.js';
import { allPages, Ec2Regions } from './client.js';
import { type AwsContextDeps, awsContext } from './context.js';
import type { AwsCredentials } from './credentials.js';
import { tagRecord, toTags } from './mapping.js';

export interface AwsNetworkDriverDeps extends AwsContextDeps {
  clientFor?: (region: string) => EC2Client;
}

export function toProviderNetwork(vpc: Vpc, region: string): ProviderNetwork {
  const tags = tagRecord(vpc.Tags);
  const externalId = vpc.VpcId ?? '';
  return {
    externalId,
    name: tags.Name || externalId,
    cidr: vpc.CidrBlock ?? '',
    region,
    state: vpc.State ?? 'unknown',
    isDefault: vpc.IsDefault === true,
    tags,
  };
}

export function toProviderSubnet(subnet: Subnet, region: string): ProviderSubnet {
  const tags = tagRecord(subnet.Tags);
  const externalId = subnet.SubnetId ?? '';
  return {
    externalId,
    networkExternalId: subnet.VpcId ?? '',
    name: tags.Name || externalId,
    cidr: subnet.CidrBlock ?? '',
    region,
    availabilityZone: subnet.AvailabilityZone ?? '',
    availableIps: subnet.AvailableIpAddressCount ?? null,
    state: subnet.State ?? 'unknown',
    tags,
  };
}

export class AwsNetworkDriver implements NetworkDriver {
  private readonly ec2: Ec2Regions;
  private readonly regions: string[];

  constructor(
    config: { cloudId: string; regions: string[]; credentials: AwsCredentials; endpoint?: string },
    deps: AwsNetworkDriverDeps = {},
  ) {
    this.regions = [...new Set(config.regions)];
    if (this.regions.length === 0) {
      throw new ConfigurationError(`AWS cloud ${config.cloudId} has no regions configured`);
    }
    const context = awsContext({ ...config, region: this.regions[0]! }, deps);
    this.ec2 = new Ec2Regions({
      ...context,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(deps.clientFor ? { clientFor: deps.clientFor } : {}),
    });
  }

  private async everyRegion<T>(list: (region: string) => Promise<T[]>): Promise<T[]> {
    return (await Promise.all(this.regions.map(list))).flat();
  }

  listNetworks(): Promise<ProviderNetwork[]> {
    return this.everyRegion(async (region) => {
      const vpcs = await allPages((token) =>
        this.ec2.call(region, 'DescribeVpcs', async (ec2) => {
          const out = await ec2.send(new DescribeVpcsCommand({ MaxResults: 1000, NextToken: token }));
          return { items: out.Vpcs, next: out.NextToken };
        }),
      );
      return vpcs.map((v) => toProviderNetwork(v, region));
    });
  }

  listSubnets(): Promise<ProviderSubnet[]> {
    return this.everyRegion(async (region) => {
      const subnets = await allPages((token) =>
        this.ec2.call(region, 'DescribeSubnets', async (ec2) => {
          const out = await ec2.send(new DescribeSubnetsCommand({ MaxResults: 1000, NextToken: token }));
          return { items: out.Subnets, next: out.NextToken };
        }),
      );
      return subnets.map((s) => toProviderSubnet(s, region));
    });
  }

  async createNetwork(req: CreateNetworkRequest): Promise<ProviderNetwork> {
    const out = await this.ec2.call(
      req.region,
      'CreateVpc',
      (ec2) =>
        ec2.send(
          new CreateVpcCommand({
            CidrBlock: req.cidr,
            TagSpecifications: [{ ResourceType: 'vpc', Tags: toTags({ ...req.tags, Name: req.name }) }],
          }),
        ),
      req.cidr,
    );
    if (!out.Vpc?.VpcId) throw new ProviderError(`EC2 CreateVpc in ${req.region}: AWS returned no VPC`);
    return toProviderNetwork(out.Vpc, req.region);
  }

  async deleteNetwork(ref: NetworkRef): Promise<void> {
    await this.ec2.call(
      ref.region,
      'DeleteVpc',
      (ec2) => ec2.send(new DeleteVpcCommand({ VpcId: ref.externalId })),
      ref.externalId,
    );
  }

  async createSubnet(req: CreateSubnetRequest): Promise<ProviderSubnet> {
    const out = await this.ec2.call(
      req.region,
      'CreateSubnet',
      (ec2) =>
        ec2.send(
          new CreateSubnetCommand({
            VpcId: req.networkExternalId,
            CidrBlock: req.cidr,
            AvailabilityZone: req.availabilityZone,
            TagSpecifications: [{ ResourceType: 'subnet', Tags: toTags({ ...req.tags, Name: req.name }) }],
          }),
        ),
      req.networkExternalId,
    );
    if (!out.Subnet?.SubnetId)
      throw new ProviderError(`EC2 CreateSubnet in ${req.region}: AWS returned no subnet`);
    return toProviderSubnet(out.Subnet, req.region);
  }

  async deleteSubnet(ref: NetworkRef): Promise<void> {
    await this.ec2.call(
      ref.region,
      'DeleteSubnet',
      (ec2) => ec2.send(new DeleteSubnetCommand({ SubnetId: ref.externalId })),
      ref.externalId,
    );
  }
}
