/**
 * An instance's life in the fake EC2: launched `pending` with its root volume (and data volumes)
 * attached, shown in the EC2 API's Instance shape, and moved out of its transitional state (pending,
 * stopping, shutting-down) when the world settles.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { formatIPv4, parseCidr4 } from '../../../lib/net/ipv4.js';
import {
  type Ec2Region,
  type Ec2State,
  ec2Error,
  type FakeInstance,
  STATE_CODES,
  toTagList,
} from './ec2-state.js';

export function toInstance(i: FakeInstance, region: Ec2Region): Instance {
  const volumes = region.attached(i);
  return {
    InstanceId: i.id,
    ImageId: i.imageId,
    InstanceType: i.type as Instance['InstanceType'],
    State: { Code: STATE_CODES[i.state], Name: i.state },
    Placement: { AvailabilityZone: i.zone, Tenancy: 'default' },
    LaunchTime: i.launchTime,
    Tags: toTagList(i.tags),
    PrivateIpAddress: i.privateIp,
    ...(i.publicIp ? { PublicIpAddress: i.publicIp } : {}),
    ...(i.keyName ? { KeyName: i.keyName } : {}),
    ...(i.subnetId ? { SubnetId: i.subnetId, VpcId: i.vpcId } : {}),
    Architecture: 'x86_64',
    PlatformDetails: 'Linux/UNIX',
    RootDeviceType: 'ebs',
    RootDeviceName: i.rootDevice,
    BlockDeviceMappings: volumes.map((v) => ({
      DeviceName: v.attachment?.device,
      Ebs: {
        VolumeId: v.id,
        Status: 'attached',
        AttachTime: v.attachment?.at,
        DeleteOnTermination: v.attachment?.deleteOnTermination,
      },
    })),
  };
}

export interface LaunchSpec {
  name?: string;
  type: string;
  imageId: string;
  zone?: string;
  subnetId?: string;
  keyName?: string;
  userData?: string;
  tags?: Record<string, string>;
  /** Data volumes besides the root volume, in GiB. */
  dataVolumes?: number[];
}

/** One new instance in `pending`, with its root volume (and data volumes) attached. */
export function launch(region: Ec2Region, state: Ec2State, reservationId: string, spec: LaunchSpec) {
  let zone = spec.zone ?? region.zones[0]!;
  let vpcId: string | undefined;
  // Without a subnet, the default VPC's 172.31.0.0/16 (the fake keeps no default VPC of its own).
  let network = (172 << 24) + (31 << 16);
  if (spec.subnetId) {
    const subnet = region.subnets.get(spec.subnetId);
    if (!subnet)
      throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${spec.subnetId}' does not exist`);
    if (spec.zone && spec.zone !== subnet.zone) {
      throw ec2Error(
        'InvalidParameterCombination',
        `The subnet ${subnet.id} is in ${subnet.zone}, not in the requested ${spec.zone}`,
      );
    }
    zone = subnet.zone;
    vpcId = subnet.vpcId;
    const block = parseCidr4(subnet.cidr);
    if (block.ok) network = block.cidr.network;
  } else if (!region.zones.includes(zone)) {
    throw ec2Error('InvalidParameterValue', `Invalid availability zone: [${zone}]`);
  }
  const n = region.instances.size + 1;
  const instance: FakeInstance = {
    id: state.id('i'),
    reservationId,
    state: 'pending',
    type: spec.type,
    imageId: spec.imageId,
    zone,
    tags: { ...spec.tags, ...(spec.name ? { Name: spec.name } : {}) },
    launchTime: state.now,
    // The first four addresses of a subnet are AWS's.
    privateIp: formatIPv4(network + 3 + n),
    ...(spec.keyName ? { keyName: spec.keyName } : {}),
    ...(spec.subnetId ? { subnetId: spec.subnetId, vpcId } : {}),
    ...(spec.userData ? { userData: spec.userData } : {}),
    rootDevice: '/dev/xvda',
    rootLineage: [],
  };
  const devices = ['/dev/xvda', ...(spec.dataVolumes ?? []).map((_, k) => `/dev/sd${'fghijk'[k]}`)];
  const sizes = [8, ...(spec.dataVolumes ?? [])];
  devices.forEach((device, k) => {
    const id = state.id('vol');
    const root = k === 0;
    region.volumes.set(id, {
      id,
      sizeGiB: sizes[k]!,
      zone,
      attachment: { instanceId: instance.id, device, deleteOnTermination: root, at: state.now },
      tags: {},
    });
    if (root) instance.rootLineage.push(id);
  });
  region.instances.set(instance.id, instance);
  return instance;
}

export function settleInstance(region: Ec2Region, i: FakeInstance): void {
  if (i.state === 'pending') {
    i.state = 'running';
    i.publicIp = `203.0.113.${(Number.parseInt(i.id.slice(-2), 16) % 250) + 1}`;
  } else if (i.state === 'stopping') {
    i.state = 'stopped';
    delete i.publicIp;
  } else if (i.state === 'shutting-down') {
    i.state = 'terminated';
    delete i.publicIp;
    for (const v of region.attached(i)) {
      if (v.attachment?.deleteOnTermination) region.volumes.delete(v.id);
      else delete v.attachment;
    }
  }
}

export function settleInstances(region: Ec2Region): void {
  for (const i of region.instances.values()) settleInstance(region, i);
}
