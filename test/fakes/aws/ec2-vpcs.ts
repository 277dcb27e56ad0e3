/**
 * VPCs and subnets in the fake EC2, per the EC2 API reference: CreateVpc (/16 to /28, else
 * InvalidVpc.Range), CreateSubnet inside its VPC's block (InvalidSubnet.Range) and overlapping no other
 * subnet of the VPC (InvalidSubnet.Conflict), DeleteVpc refused while it has subnets and DeleteSubnet
 * while an instance is in it (DependencyViolation), DescribeVpcs/DescribeSubnets paged.
 */
import {
  CreateSubnetCommand,
  type CreateSubnetCommandInput,
  type CreateSubnetCommandOutput,
  CreateVpcCommand,
  type CreateVpcCommandInput,
  type CreateVpcCommandOutput,
  DeleteSubnetCommand,
  type DeleteSubnetCommandInput,
  type DeleteSubnetCommandOutput,
  DeleteVpcCommand,
  type DeleteVpcCommandInput,
  type DeleteVpcCommandOutput,
  DescribeSubnetsCommand,
  type DescribeSubnetsCommandInput,
  type DescribeSubnetsCommandOutput,
  DescribeVpcsCommand,
  type DescribeVpcsCommandInput,
  type DescribeVpcsCommandOutput,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { type Cidr4, cidrContains, cidrSize, cidrsOverlap, parseCidr4 } from '../../../lib/net/ipv4.js';
import { describeItems } from './ec2-describe.js';
import {
  ACCOUNT_ID,
  type CommandTable,
  type Ec2Handler,
  type Ec2Region,
  ec2Error,
  type FakeSubnet,
  type FakeVpc,
  specTags,
  toTagList,
} from './ec2-state.js';

/** AWS keeps five addresses of every subnet (network, router, DNS, future use, broadcast). */
const RESERVED_PER_SUBNET = 5;

function block(text: string | undefined, code: string): Cidr4 {
  const parsed = parseCidr4(text ?? '');
  if (!parsed.ok || parsed.cidr.prefix < 16 || parsed.cidr.prefix > 28) {
    throw ec2Error(code, `The CIDR '${text ?? ''}' is invalid.`);
  }
  return parsed.cidr;
}

function vpcOf(region: Ec2Region, id: string | undefined): FakeVpc {
  const vpc = region.vpcs.get(id ?? '');
  if (!vpc) throw ec2Error('InvalidVpcID.NotFound', `The vpc ID '${id ?? ''}' does not exist`);
  return vpc;
}

function subnetOf(region: Ec2Region, id: string | undefined): FakeSubnet {
  const subnet = region.subnets.get(id ?? '');
  if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id ?? ''}' does not exist`);
  return subnet;
}

/** The instances that hold a network interface in the subnet (a terminated one holds none). */
export function instancesIn(region: Ec2Region, subnetId: string) {
  return [...region.instances.values()].filter((i) => i.subnetId === subnetId && i.state !== 'terminated');
}

function toVpc(v: FakeVpc, state = v.state): Vpc {
  return {
    VpcId: v.id,
    CidrBlock: v.cidr,
    State: state,
    IsDefault: v.isDefault,
    OwnerId: ACCOUNT_ID,
    InstanceTenancy: 'default',
    DhcpOptionsId: 'dopt-0a1b2c3d',
    CidrBlockAssociationSet: [
      {
        AssociationId: `vpc-cidr-assoc-${v.id.slice(4)}`,
        CidrBlock: v.cidr,
        CidrBlockState: { State: 'associated' },
      },
    ],
    Tags: toTagList(v.tags),
  };
}

function toSubnet(s: FakeSubnet, region: Ec2Region): Subnet {
  const cidr = parseCidr4(s.cidr);
  const size = cidr.ok ? cidrSize(cidr.cidr) : 0;
  return {
    SubnetId: s.id,
    VpcId: s.vpcId,
    CidrBlock: s.cidr,
    AvailabilityZone: s.zone,
    AvailabilityZoneId: `${region.name.slice(0, 4)}-az${region.zones.indexOf(s.zone) + 1}`,
    AvailableIpAddressCount: size - RESERVED_PER_SUBNET - instancesIn(region, s.id).length,
    State: s.state,
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
    OwnerId: ACCOUNT_ID,
    SubnetArn: `arn:aws:ec2:${region.name}:${ACCOUNT_ID}:subnet/${s.id}`,
    Tags: toTagList(s.tags),
  };
}

export const createVpc: Ec2Handler<CreateVpcCommandInput, CreateVpcCommandOutput> = (
  input,
  region,
  state,
) => {
  block(input.CidrBlock, 'InvalidVpc.Range');
  const vpc: FakeVpc = {
    id: state.id('vpc'),
    cidr: `${input.CidrBlock}`,
    state: 'available',
    isDefault: false,
    tags: specTags(input.TagSpecifications, 'vpc'),
  };
  region.vpcs.set(vpc.id, vpc);
  // EC2 answers `pending`; the VPC is available by the next call (the fake has no delay to wait out).
  return { Vpc: toVpc(vpc, 'pending') };
};

export const createSubnet: Ec2Handler<CreateSubnetCommandInput, CreateSubnetCommandOutput> = (
  input,
  region,
  state,
) => {
  const vpc = vpcOf(region, input.VpcId);
  const cidr = block(input.CidrBlock, 'InvalidSubnet.Range');
  const vpcBlock = parseCidr4(vpc.cidr);
  if (vpcBlock.ok && !cidrContains(vpcBlock.cidr, cidr)) {
    throw ec2Error('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
  }
  for (const other of region.subnets.values()) {
    const theirs = parseCidr4(other.cidr);
    if (other.vpcId === vpc.id && theirs.ok && cidrsOverlap(theirs.cidr, cidr)) {
      throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${input.CidrBlock}' conflicts with another subnet`);
    }
  }
  const zone = input.AvailabilityZone ?? region.zones[0]!;
  if (!region.zones.includes(zone)) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${region.zones.join(', ')}.`,
    );
  }
  const subnet: FakeSubnet = {
    id: state.id('subnet'),
    vpcId: vpc.id,
    cidr: `${input.CidrBlock}`,
    zone,
    state: 'available',
    tags: specTags(input.TagSpecifications, 'subnet'),
  };
  region.subnets.set(subnet.id, subnet);
  return { Subnet: toSubnet(subnet, region) };
};

export const deleteVpc: Ec2Handler<DeleteVpcCommandInput, DeleteVpcCommandOutput> = (input, region) => {
  const vpc = vpcOf(region, input.VpcId);
  if ([...region.subnets.values()].some((s) => s.vpcId === vpc.id)) {
    throw ec2Error('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
  }
  region.vpcs.delete(vpc.id);
  return {};
};

export const deleteSubnet: Ec2Handler<DeleteSubnetCommandInput, DeleteSubnetCommandOutput> = (
  input,
  region,
) => {
  const subnet = subnetOf(region, input.SubnetId);
  if (instancesIn(region, subnet.id).length > 0) {
    throw ec2Error(
      'DependencyViolation',
      `The subnet '${subnet.id}' has dependencies and cannot be deleted.`,
    );
  }
  region.subnets.delete(subnet.id);
  return {};
};

export const describeVpcs: Ec2Handler<DescribeVpcsCommandInput, DescribeVpcsCommandOutput> = (
  input,
  region,
  state,
) => {
  const page = describeItems(state, 'vpcs', input, {
    items: input.VpcIds?.length ? input.VpcIds.map((id) => vpcOf(region, id)) : [...region.vpcs.values()],
    fields: (v) => ({
      'vpc-id': [v.id],
      'cidr-block': [v.cidr],
      state: [v.state],
      'is-default': [String(v.isDefault)],
    }),
    tags: (v) => v.tags,
  });
  return { Vpcs: page.items.map((v) => toVpc(v)), NextToken: page.next };
};

export const describeSubnets: Ec2Handler<DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput> = (
  input,
  region,
  state,
) => {
  const page = describeItems(state, 'subnets', input, {
    items: input.SubnetIds?.length
      ? input.SubnetIds.map((id) => subnetOf(region, id))
      : [...region.subnets.values()],
    fields: (s) => ({
      'vpc-id': [s.vpcId],
      'subnet-id': [s.id],
      'cidr-block': [s.cidr],
      'availability-zone': [s.zone],
      state: [s.state],
    }),
    tags: (s) => s.tags,
  });
  return { Subnets: page.items.map((s) => toSubnet(s, region)), NextToken: page.next };
};

export const VPC_COMMANDS: CommandTable = [
  [DescribeVpcsCommand, describeVpcs],
  [DescribeSubnetsCommand, describeSubnets],
  [CreateVpcCommand, createVpc],
  [CreateSubnetCommand, createSubnet],
  [DeleteVpcCommand, deleteVpc],
  [DeleteSubnetCommand, deleteSubnet],
];
