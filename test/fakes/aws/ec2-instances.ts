/**
 * Instances in the fake EC2, as the EC2 API reference describes them: RunInstances makes a reservation of
 * `pending` instances (idempotent per ClientToken), actions move instances into a transitional state
 * (pending, stopping, shutting-down) that the world's settle() finishes, actions refused in the wrong
 * state answer IncorrectInstanceState, DescribeInstances pages with NextToken/MaxResults.
 */
import {
  CreateTagsCommand,
  type CreateTagsCommandInput,
  type CreateTagsCommandOutput,
  DeleteTagsCommand,
  type DeleteTagsCommandInput,
  type DeleteTagsCommandOutput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
  type Instance,
  type InstanceStateChange,
  type InstanceStateName,
  ModifyInstanceAttributeCommand,
  type ModifyInstanceAttributeCommandInput,
  type ModifyInstanceAttributeCommandOutput,
  RebootInstancesCommand,
  type RebootInstancesCommandInput,
  type RebootInstancesCommandOutput,
  type Reservation,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type RunInstancesCommandOutput,
  StartInstancesCommand,
  type StartInstancesCommandInput,
  type StartInstancesCommandOutput,
  StopInstancesCommand,
  type StopInstancesCommandInput,
  type StopInstancesCommandOutput,
  TerminateInstancesCommand,
  type TerminateInstancesCommandInput,
  type TerminateInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import { formatIPv4, parseCidr4 } from '../../../lib/net/ipv4.js';
import { knownImage, knownType } from './ec2-catalog.js';
import { describeItems } from './ec2-describe.js';
import {
  ACCOUNT_ID,
  type CommandTable,
  type Ec2Handler,
  type Ec2Region,
  type Ec2State,
  ec2Error,
  type FakeInstance,
  STATE_CODES,
  specTags,
  toTagList,
} from './ec2-state.js';
import { taggable } from './ec2-tags.js';

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

export const runInstances: Ec2Handler<RunInstancesCommandInput, RunInstancesCommandOutput> = (
  input,
  region,
  state,
) => {
  const reservationOf = (reservationId: string): Reservation => ({
    ReservationId: reservationId,
    OwnerId: ACCOUNT_ID,
    Groups: [],
    Instances: [...region.instances.values()]
      .filter((i) => i.reservationId === reservationId)
      .map((i) => toInstance(i, region)),
  });
  const earlier = input.ClientToken ? region.clientTokens.get(input.ClientToken) : undefined;
  if (earlier) return reservationOf(earlier);
  knownImage(input.ImageId);
  const type = knownType(input.InstanceType ?? 'm1.small');
  const min = input.MinCount ?? 0;
  const max = input.MaxCount ?? 0;
  if (min < 1 || max < min) {
    throw ec2Error('InvalidParameterValue', `Invalid MinCount ${min} / MaxCount ${max}`);
  }
  const reservationId = state.id('r');
  for (let k = 0; k < max; k++) {
    launch(region, state, reservationId, {
      type,
      imageId: input.ImageId as string,
      ...(input.Placement?.AvailabilityZone ? { zone: input.Placement.AvailabilityZone } : {}),
      ...(input.SubnetId ? { subnetId: input.SubnetId } : {}),
      ...(input.KeyName ? { keyName: input.KeyName } : {}),
      ...(input.UserData ? { userData: Buffer.from(input.UserData, 'base64').toString('utf8') } : {}),
      tags: specTags(input.TagSpecifications, 'instance'),
    });
  }
  if (input.ClientToken) region.clientTokens.set(input.ClientToken, reservationId);
  return reservationOf(reservationId);
};

export const describeInstances: Ec2Handler<DescribeInstancesCommandInput, DescribeInstancesCommandOutput> = (
  input,
  region,
  state,
) => {
  if (input.InstanceIds?.length && input.MaxResults !== undefined) {
    throw ec2Error(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  const page = describeItems(state, 'instances', input, {
    items: input.InstanceIds?.length
      ? input.InstanceIds.map((id) => region.instance(id))
      : [...region.instances.values()],
    fields: (i) => ({
      'instance-state-name': [i.state],
      'instance-id': [i.id],
      'instance-type': [i.type],
      'availability-zone': [i.zone],
      'subnet-id': i.subnetId ? [i.subnetId] : [],
      'vpc-id': i.vpcId ? [i.vpcId] : [],
    }),
    tags: (i) => i.tags,
  });
  // A page holds instances; the instances of one reservation that fall on it are grouped as EC2 does.
  const reservations: Reservation[] = [];
  for (const i of page.items) {
    const last = reservations.at(-1);
    if (last?.ReservationId === i.reservationId) last.Instances!.push(toInstance(i, region));
    else {
      reservations.push({
        ReservationId: i.reservationId,
        OwnerId: ACCOUNT_ID,
        Groups: [],
        Instances: [toInstance(i, region)],
      });
    }
  }
  return { Reservations: reservations, NextToken: page.next };
};

/**
 * One state-changing action on a batch: every id is checked before any instance changes (EC2 refuses
 * the whole call), then `next` says each instance's new state, or refuses it.
 */
function transition(
  region: Ec2Region,
  ids: string[] | undefined,
  next: (i: FakeInstance) => InstanceStateName,
): InstanceStateChange[] {
  const instances = (ids ?? []).map((id) => region.instance(id));
  const targets = instances.map(next);
  return instances.map((i, k) => {
    const previous = i.state;
    i.state = targets[k]!;
    return {
      InstanceId: i.id,
      PreviousState: { Code: STATE_CODES[previous], Name: previous },
      CurrentState: { Code: STATE_CODES[i.state], Name: i.state },
    };
  });
}

const incorrect = (i: FakeInstance, what: string) =>
  ec2Error(
    'IncorrectInstanceState',
    `The instance '${i.id}' is not in a state from which it can be ${what}.`,
  );

export const startInstances: Ec2Handler<StartInstancesCommandInput, StartInstancesCommandOutput> = (
  input,
  region,
) => ({
  StartingInstances: transition(region, input.InstanceIds, (i) => {
    if (i.state === 'stopped') return 'pending';
    if (i.state === 'pending' || i.state === 'running') return i.state;
    throw incorrect(i, 'started');
  }),
});

export const stopInstances: Ec2Handler<StopInstancesCommandInput, StopInstancesCommandOutput> = (
  input,
  region,
) => ({
  StoppingInstances: transition(region, input.InstanceIds, (i) => {
    if (i.state === 'running') return 'stopping';
    if (i.state === 'stopping' || i.state === 'stopped') return i.state;
    throw incorrect(i, 'stopped');
  }),
});

export const terminateInstances: Ec2Handler<
  TerminateInstancesCommandInput,
  TerminateInstancesCommandOutput
> = (input, region) => ({
  TerminatingInstances: transition(region, input.InstanceIds, (i) =>
    i.state === 'terminated' ? 'terminated' : 'shutting-down',
  ),
});

export const rebootInstances: Ec2Handler<RebootInstancesCommandInput, RebootInstancesCommandOutput> = (
  input,
  region,
) => {
  transition(region, input.InstanceIds, (i) => {
    if (i.state !== 'running') throw incorrect(i, 'rebooted');
    return 'running';
  });
  return {};
};

export const modifyInstanceAttribute: Ec2Handler<
  ModifyInstanceAttributeCommandInput,
  ModifyInstanceAttributeCommandOutput
> = (input, region) => {
  const i = region.instance(input.InstanceId);
  const type = input.InstanceType?.Value;
  if (type === undefined) {
    throw ec2Error(
      'InvalidParameterCombination',
      'No attribute specified (the fake models InstanceType only)',
    );
  }
  knownType(type);
  if (i.state !== 'stopped') {
    throw ec2Error('IncorrectInstanceState', `The instance '${i.id}' is not in the 'stopped' state.`);
  }
  i.type = type;
  return {};
};

export const createTags: Ec2Handler<CreateTagsCommandInput, CreateTagsCommandOutput> = (input, region) => {
  const resources = (input.Resources ?? []).map((id) => taggable(region, id));
  for (const tags of resources) {
    for (const t of input.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  }
  return {};
};

export const deleteTags: Ec2Handler<DeleteTagsCommandInput, DeleteTagsCommandOutput> = (input, region) => {
  const resources = (input.Resources ?? []).map((id) => taggable(region, id));
  for (const tags of resources) {
    // No Tags: every tag goes; a Tag with a Value goes only when the value matches.
    for (const key of Object.keys(tags)) {
      const asked = input.Tags === undefined ? [{ Key: key }] : input.Tags.filter((t) => t.Key === key);
      if (asked.some((t) => t.Value === undefined || t.Value === tags[key])) delete tags[key];
    }
  }
  return {};
};

/** What settle() does to instances: transitional states end; a terminated instance's volumes go. */
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

export const INSTANCE_COMMANDS: CommandTable = [
  [DescribeInstancesCommand, describeInstances],
  [RunInstancesCommand, runInstances],
  [StartInstancesCommand, startInstances],
  [StopInstancesCommand, stopInstances],
  [RebootInstancesCommand, rebootInstances],
  [TerminateInstancesCommand, terminateInstances],
  [ModifyInstanceAttributeCommand, modifyInstanceAttribute],
  [CreateTagsCommand, createTags],
  [DeleteTagsCommand, deleteTags],
];
