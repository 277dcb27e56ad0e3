/** EC2's shapes → the provider-neutral shapes of compute.ts. Pure functions: no AWS call here. */
import type { Image, Instance, Tag } from '@aws-sdk/client-ec2';
import type { MachineState, ProviderImage, ProviderMachine } from '../compute.js';

const STATES: Record<string, MachineState> = {
  pending: 'pending',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  // shutting-down only ever ends in terminated: no action makes sense any more, so say so at once.
  'shutting-down': 'terminated',
  terminated: 'terminated',
};

export function machineState(name: string | undefined): MachineState {
  return (name && STATES[name]) || 'unknown';
}

export function tagRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function toTags(record: Record<string, string>): Tag[] {
  return Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Every address of every network interface (secondary interfaces and IPs included), deduplicated.
 * IPv6 addresses count as public: EC2 hands out only globally routable ones.
 */
function addresses(i: Instance): { publicIps: string[]; privateIps: string[] } {
  const pub = new Set<string>();
  const priv = new Set<string>();
  if (i.PublicIpAddress) pub.add(i.PublicIpAddress);
  if (i.PrivateIpAddress) priv.add(i.PrivateIpAddress);
  for (const ni of i.NetworkInterfaces ?? []) {
    if (ni.Association?.PublicIp) pub.add(ni.Association.PublicIp);
    if (ni.PrivateIpAddress) priv.add(ni.PrivateIpAddress);
    for (const p of ni.PrivateIpAddresses ?? []) {
      if (p.PrivateIpAddress) priv.add(p.PrivateIpAddress);
      if (p.Association?.PublicIp) pub.add(p.Association.PublicIp);
    }
    for (const v6 of ni.Ipv6Addresses ?? []) if (v6.Ipv6Address) pub.add(v6.Ipv6Address);
  }
  return { publicIps: [...pub], privateIps: [...priv] };
}

export function toProviderMachine(i: Instance, region: string): ProviderMachine {
  const externalId = i.InstanceId ?? '';
  const tags = tagRecord(i.Tags);
  const extra: Record<string, string> = {};
  const extras = {
    vpcId: i.VpcId,
    subnetId: i.SubnetId,
    keyName: i.KeyName,
    platform: i.PlatformDetails ?? i.Platform,
    architecture: i.Architecture,
  };
  for (const [k, v] of Object.entries(extras)) if (v !== undefined) extra[k] = v;
  return {
    externalId,
    name: tags.Name || externalId,
    state: machineState(i.State?.Name),
    region,
    ...(i.Placement?.AvailabilityZone ? { location: i.Placement.AvailabilityZone } : {}),
    ...(i.InstanceType ? { size: i.InstanceType } : {}),
    ...(i.ImageId ? { image: i.ImageId } : {}),
    ...addresses(i),
    tags,
    ...(i.LaunchTime ? { launchedAt: i.LaunchTime } : {}),
    extra,
  };
}

export function toProviderImage(image: Image, region: string): ProviderImage {
  const id = image.ImageId ?? '';
  return {
    id,
    name: image.Name || image.Description || id,
    region,
    os: image.Platform?.toLowerCase() === 'windows' ? 'windows' : 'linux',
  };
}
