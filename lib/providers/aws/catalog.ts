/** What can be provisioned in a region: images, instance types, availability zones. */
import {
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import type { ProviderImage, ProviderLocation, ProviderSize } from '../compute.js';
import { allPages, type Ec2Call } from './client.js';
import { toProviderImage } from './mapping.js';

/**
 * Public images worth offering. All public AMIs of a region are hundreds of thousands (a multi-MB answer
 * that changes daily), so Nimbo offers the account's own images plus a few well-known families from
 * their publishers' accounts, keeping the newest few of each: enough to launch a current OS, and bounded
 * at FAMILY_LIMIT × families per region. Anything else can still be launched by AMI id.
 */
export const PUBLIC_IMAGE_FAMILIES = [
  { family: 'Amazon Linux 2023', owner: 'amazon', pattern: 'al2023-ami-2023*' },
  { family: 'Ubuntu 24.04', owner: '099720109477', pattern: 'ubuntu/images/hvm-ssd*/ubuntu-*-24.04-*' },
  { family: 'Ubuntu 22.04', owner: '099720109477', pattern: 'ubuntu/images/hvm-ssd*/ubuntu-*-22.04-*' },
  { family: 'Debian 12', owner: '136693071363', pattern: 'debian-12-*' },
  { family: 'Windows Server 2022', owner: 'amazon', pattern: 'Windows_Server-2022-English-Full-Base-*' },
] as const;

/** Newest images kept per family and region (both architectures share it). */
export const FAMILY_LIMIT = 10;

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const FAMILY_MATCHERS = PUBLIC_IMAGE_FAMILIES.map((f) => ({ ...f, re: globToRegExp(f.pattern) }));

const newestFirst = (a: Image, b: Image) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '');

function newestPerFamily(images: Image[]): Image[] {
  const kept: Image[] = [];
  for (const f of FAMILY_MATCHERS) {
    const mine = images.filter((i) => i.OwnerId === f.owner || i.ImageOwnerAlias === f.owner);
    const family = mine.filter((i) => f.re.test(i.Name ?? ''));
    kept.push(...family.sort(newestFirst).slice(0, FAMILY_LIMIT));
  }
  return kept;
}

export async function listRegionImages(call: Ec2Call, region: string): Promise<ProviderImage[]> {
  const available = { Name: 'state', Values: ['available'] };
  const [own, pub] = await Promise.all([
    allPages((token) =>
      call(region, 'DescribeImages', async (ec2) => {
        const out = await ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            Filters: [available],
            MaxResults: 1000,
            NextToken: token,
          }),
        );
        return { items: out.Images, next: out.NextToken };
      }),
    ),
    allPages((token) =>
      call(region, 'DescribeImages', async (ec2) => {
        const out = await ec2.send(
          new DescribeImagesCommand({
            Owners: [...new Set(PUBLIC_IMAGE_FAMILIES.map((f) => f.owner))],
            Filters: [available, { Name: 'name', Values: PUBLIC_IMAGE_FAMILIES.map((f) => f.pattern) }],
            MaxResults: 1000,
            NextToken: token,
          }),
        );
        return { items: out.Images, next: out.NextToken };
      }),
    ),
  ]);
  const byId = new Map<string, ProviderImage>();
  for (const image of [...own.sort(newestFirst), ...newestPerFamily(pub)]) {
    if (image.ImageId && !byId.has(image.ImageId)) byId.set(image.ImageId, toProviderImage(image, region));
  }
  return [...byId.values()];
}

/** Instance types are the same list in every region, give or take the newest families: one region answers. */
export async function listRegionSizes(call: Ec2Call, region: string): Promise<ProviderSize[]> {
  const types = await allPages((token) =>
    call(region, 'DescribeInstanceTypes', async (ec2) => {
      const out = await ec2.send(new DescribeInstanceTypesCommand({ MaxResults: 100, NextToken: token }));
      return { items: out.InstanceTypes, next: out.NextToken };
    }),
  );
  return types
    .filter((t) => t.InstanceType)
    .map((t) => {
      const id = t.InstanceType as string;
      const cpus = t.VCpuInfo?.DefaultVCpus ?? 0;
      const memoryMiB = t.MemoryInfo?.SizeInMiB ?? 0;
      const gib = Math.round((memoryMiB / 1024) * 100) / 100;
      return { id, name: `${id} (${cpus} vCPU, ${gib} GiB)`, cpus, memoryMiB };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export async function listRegionLocations(call: Ec2Call, region: string): Promise<ProviderLocation[]> {
  const out = await call(region, 'DescribeAvailabilityZones', (ec2) =>
    ec2.send(new DescribeAvailabilityZonesCommand({})),
  );
  return (out.AvailabilityZones ?? [])
    .filter((z) => z.ZoneName && (z.State === undefined || z.State === 'available'))
    .map((z) => ({ id: z.ZoneName as string, name: z.ZoneName as string, region }));
}
