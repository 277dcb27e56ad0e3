import {
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FAMILY_LIMIT, PUBLIC_IMAGE_FAMILIES } from '../../../lib/providers/aws/catalog.js';
import { ProviderAuthError } from '../../../lib/providers/errors.js';
import { awsError, makeDriver } from './fixtures.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterAll(() => ec2.restore());

function al2023(n: number): Image {
  const day = String(n).padStart(2, '0');
  return {
    ImageId: `ami-al${day}`,
    Name: `al2023-ami-2023.6.202611${day}.0-kernel-6.1-x86_64`,
    OwnerId: '137112412989',
    ImageOwnerAlias: 'amazon',
    CreationDate: `2026-11-${day}T00:00:00.000Z`,
  };
}

describe('listing images', () => {
  it("offers the account's own images and the newest few of each well-known public family", async () => {
    ec2.on(DescribeImagesCommand, { Owners: ['self'] }).resolves({
      Images: [{ ImageId: 'ami-mine', Name: 'golden-web', CreationDate: '2026-01-01T00:00:00Z' }],
    });
    const publicImages: Image[] = [
      ...Array.from({ length: 15 }, (_, n) => al2023(n + 1)),
      {
        ImageId: 'ami-win',
        Name: 'Windows_Server-2022-English-Full-Base-2026.11.12',
        ImageOwnerAlias: 'amazon',
        Platform: 'Windows',
        CreationDate: '2026-11-12T00:00:00Z',
      },
      {
        ImageId: 'ami-noble',
        Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261120',
        OwnerId: '099720109477',
        CreationDate: '2026-11-20T00:00:00Z',
      },
    ];
    ec2
      .on(DescribeImagesCommand, { Owners: ['amazon', '099720109477', '136693071363'] })
      .resolvesOnce({ Images: publicImages.slice(0, 10), NextToken: 'more' })
      .resolvesOnce({ Images: publicImages.slice(10) });
    const { driver } = makeDriver();
    const images = await driver.listImages();

    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'state', Values: ['available'] }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['amazon', '099720109477', '136693071363'],
      Filters: [
        { Name: 'state', Values: ['available'] },
        { Name: 'name', Values: PUBLIC_IMAGE_FAMILIES.map((f) => f.pattern) },
      ],
      NextToken: 'more',
    });
    const ids = images.map((i) => i.id);
    expect(ids[0]).toBe('ami-mine');
    expect(ids).toContain('ami-win');
    expect(ids).toContain('ami-noble');
    // Only the newest al2023 images are kept: days 15 down to 6.
    const al = ids.filter((id) => id.startsWith('ami-al'));
    expect(al).toHaveLength(FAMILY_LIMIT);
    expect(al[0]).toBe('ami-al15');
    expect(al).not.toContain('ami-al05');
    expect(images.find((i) => i.id === 'ami-win')).toEqual({
      id: 'ami-win',
      name: 'Windows_Server-2022-English-Full-Base-2026.11.12',
      region: 'us-east-1',
      os: 'windows',
    });
  });

  it('lists images of every region, and fails whole when one region is refused', async () => {
    ec2.on(DescribeImagesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'ap-south-1')
        throw awsError('UnauthorizedOperation', 'not authorized to DescribeImages');
      return { Images: [] };
    });
    const { driver } = makeDriver({ regions: ['us-east-1', 'ap-south-1'] });
    const err = await driver.listImages().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect((err as Error).message).toContain('EC2 DescribeImages in ap-south-1: AWS UnauthorizedOperation');
  });
});

describe('listing sizes', () => {
  it('lists every instance type of the first region, across pages, without a price', async () => {
    const t3 = {
      InstanceType: 't3.micro',
      VCpuInfo: { DefaultVCpus: 2 },
      MemoryInfo: { SizeInMiB: 1024 },
    } as const;
    const m7g = {
      InstanceType: 'm7g.large',
      VCpuInfo: { DefaultVCpus: 2 },
      MemoryInfo: { SizeInMiB: 8192 },
    } as const;
    const regions: string[] = [];
    ec2.on(DescribeInstanceTypesCommand).callsFake(async (input, getClient) => {
      regions.push(await getClient().config.region());
      return input.NextToken === 'next'
        ? { InstanceTypes: [m7g] }
        : { InstanceTypes: [t3], NextToken: 'next' };
    });
    const { driver } = makeDriver({ regions: ['eu-central-1', 'us-east-1'] });
    const sizes = await driver.listSizes();
    expect(sizes).toEqual([
      { id: 'm7g.large', name: 'm7g.large (2 vCPU, 8 GiB)', cpus: 2, memoryMiB: 8192 },
      { id: 't3.micro', name: 't3.micro (2 vCPU, 1 GiB)', cpus: 2, memoryMiB: 1024 },
    ]);
    expect(ec2).toHaveReceivedNthCommandWith(DescribeInstanceTypesCommand, 2, { NextToken: 'next' });
    expect(regions).toEqual(['eu-central-1', 'eu-central-1']);
    expect(sizes[0]!.hourlyPrice).toBeUndefined();
  });
});

describe('listing locations', () => {
  it('lists the available zones of every region', async () => {
    ec2.on(DescribeAvailabilityZonesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return {
        AvailabilityZones: [
          { ZoneName: `${region}a`, State: 'available' },
          { ZoneName: `${region}b`, State: 'impaired' },
        ],
      };
    });
    const { driver } = makeDriver({ regions: ['us-east-1', 'eu-west-1'] });
    expect(await driver.listLocations()).toEqual([
      { id: 'us-east-1a', name: 'us-east-1a', region: 'us-east-1' },
      { id: 'eu-west-1a', name: 'eu-west-1a', region: 'eu-west-1' },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeAvailabilityZonesCommand, 2);
  });
});
