/**
 * What the fake EC2 offers: instance types (vCPUs, memory), images (the account's own and public ones of
 * the publishers the driver asks for, under their real owner ids and aliases), regions and availability
 * zones. DescribeImages matches Owners ('self', an alias, an account id) and the state/name filters.
 */
import {
  DescribeAvailabilityZonesCommand,
  type DescribeAvailabilityZonesCommandInput,
  type DescribeAvailabilityZonesCommandOutput,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  type DescribeImagesCommandOutput,
  DescribeInstanceTypesCommand,
  type DescribeInstanceTypesCommandInput,
  type DescribeInstanceTypesCommandOutput,
  DescribeRegionsCommand,
  type DescribeRegionsCommandInput,
  type DescribeRegionsCommandOutput,
  type Image,
  type InstanceTypeInfo,
} from '@aws-sdk/client-ec2';
import { describeItems } from './ec2-describe.js';
import { ACCOUNT_ID, type CommandTable, type Ec2Handler, ec2Error } from './ec2-state.js';

export const INSTANCE_TYPES: Array<{ type: string; vcpus: number; memoryMiB: number }> = [
  { type: 't3.nano', vcpus: 2, memoryMiB: 512 },
  { type: 't3.micro', vcpus: 2, memoryMiB: 1024 },
  { type: 't3.small', vcpus: 2, memoryMiB: 2048 },
  { type: 't3.medium', vcpus: 2, memoryMiB: 4096 },
  { type: 'm7i.large', vcpus: 2, memoryMiB: 8192 },
  { type: 'm7i.xlarge', vcpus: 4, memoryMiB: 16384 },
  { type: 'c7g.2xlarge', vcpus: 8, memoryMiB: 16384 },
];

/** Amazon's images are owned by account 137112412989 and carry the alias 'amazon'. */
export const IMAGES: Image[] = [
  {
    ImageId: 'ami-0f00d0000000000a1',
    Name: 'golden-web-2026-11',
    OwnerId: ACCOUNT_ID,
    State: 'available',
    CreationDate: '2026-11-02T00:00:00.000Z',
  },
  {
    ImageId: 'ami-0f00d0000000000a2',
    Name: 'al2023-ami-2023.6.20261120.0-kernel-6.1-x86_64',
    OwnerId: '137112412989',
    ImageOwnerAlias: 'amazon',
    State: 'available',
    CreationDate: '2026-11-20T00:00:00.000Z',
  },
  {
    ImageId: 'ami-0f00d0000000000a3',
    Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261120',
    OwnerId: '099720109477',
    State: 'available',
    CreationDate: '2026-11-20T00:00:00.000Z',
  },
  {
    ImageId: 'ami-0f00d0000000000a4',
    Name: 'debian-12-amd64-20261115-1933',
    OwnerId: '136693071363',
    State: 'available',
    CreationDate: '2026-11-15T00:00:00.000Z',
  },
  {
    ImageId: 'ami-0f00d0000000000a5',
    Name: 'debian-11-amd64-20261115-1933',
    OwnerId: '136693071363',
    State: 'deregistered',
    CreationDate: '2026-11-15T00:00:00.000Z',
  },
];

export function knownImage(id: string | undefined): Image {
  if (!id || !/^ami-[0-9a-f]{8,17}$/.test(id)) {
    throw ec2Error('InvalidAMIID.Malformed', `Invalid id: "${id ?? ''}" (expecting "ami-...")`);
  }
  const image = IMAGES.find((i) => i.ImageId === id && i.State === 'available');
  if (!image) throw ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  return image;
}

export function knownType(type: string | undefined): string {
  if (!INSTANCE_TYPES.some((t) => t.type === type)) {
    throw ec2Error('InvalidParameterValue', `Invalid value '${type}' for InstanceType.`);
  }
  return type as string;
}

function ownedBy(image: Image, owners: string[] | undefined): boolean {
  if (!owners?.length) return true;
  return owners.some((o) =>
    o === 'self' ? image.OwnerId === ACCOUNT_ID : image.OwnerId === o || image.ImageOwnerAlias === o,
  );
}

export const describeImages: Ec2Handler<DescribeImagesCommandInput, DescribeImagesCommandOutput> = (
  input,
  _region,
  state,
) => {
  if (input.ImageIds?.length && input.MaxResults !== undefined) {
    throw ec2Error('InvalidParameterCombination', 'The parameter ImageIds cannot be used with MaxResults');
  }
  const mine = IMAGES.filter(
    (i) => ownedBy(i, input.Owners) && (!input.ImageIds?.length || input.ImageIds.includes(i.ImageId ?? '')),
  );
  const page = describeItems(state, `images:${JSON.stringify(input.Owners)}`, input, {
    items: mine,
    fields: (i) => ({ state: [i.State ?? ''], name: [i.Name ?? ''], 'image-id': [i.ImageId ?? ''] }),
    bounds: [1, 1000],
  });
  return { Images: page.items.map((i) => ({ ...i })), NextToken: page.next };
};

export const describeInstanceTypes: Ec2Handler<
  DescribeInstanceTypesCommandInput,
  DescribeInstanceTypesCommandOutput
> = (input, _region, state) => {
  const wanted = input.InstanceTypes as string[] | undefined;
  const types = INSTANCE_TYPES.filter((t) => !wanted?.length || wanted.includes(t.type));
  const page = describeItems(state, 'instance-types', input, {
    items: types,
    fields: (t) => ({ 'instance-type': [t.type] }),
    bounds: [5, 100],
  });
  const infos: InstanceTypeInfo[] = page.items.map((t) => ({
    InstanceType: t.type as InstanceTypeInfo['InstanceType'],
    CurrentGeneration: true,
    VCpuInfo: { DefaultVCpus: t.vcpus, DefaultCores: Math.max(1, t.vcpus / 2), DefaultThreadsPerCore: 2 },
    MemoryInfo: { SizeInMiB: t.memoryMiB },
  }));
  return { InstanceTypes: infos, NextToken: page.next };
};

export const describeAvailabilityZones: Ec2Handler<
  DescribeAvailabilityZonesCommandInput,
  DescribeAvailabilityZonesCommandOutput
> = (_input, region) => ({
  AvailabilityZones: region.zones.map((zone, n) => ({
    ZoneName: zone,
    ZoneId: `${region.name.replace(/-/g, '').slice(0, 4)}-az${n + 1}`,
    RegionName: region.name,
    State: 'available',
    ZoneType: 'availability-zone',
  })),
});

export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1'];

export const describeRegions: Ec2Handler<DescribeRegionsCommandInput, DescribeRegionsCommandOutput> = () => ({
  Regions: REGIONS.map((r) => ({
    RegionName: r,
    Endpoint: `ec2.${r}.amazonaws.com`,
    OptInStatus: 'opt-in-not-required',
  })),
});

export const CATALOG_COMMANDS: CommandTable = [
  [DescribeImagesCommand, describeImages],
  [DescribeInstanceTypesCommand, describeInstanceTypes],
  [DescribeAvailabilityZonesCommand, describeAvailabilityZones],
  [DescribeRegionsCommand, describeRegions],
];
