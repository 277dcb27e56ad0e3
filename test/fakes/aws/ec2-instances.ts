/**
 * Instances in the fake EC2, as the EC2 API reference describes them: RunInstances makes a reservation of
 * `pending` instances (idempotent per ClientToken), actions move instances into a transitional state
 * (pending, stopping, shutting-down) that the world's settle() finishes, actions refused in the wrong
 * state answer IncorrectInstanceState, DescribeInstances pages with NextToken/MaxResults.
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
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
import { knownImage, knownType } from './ec2-catalog.js';
import { describeItems } from './ec2-describe.js';
import { launch, toInstance } from './ec2-launch.js';
import {
  ACCOUNT_ID,
  type CommandTable,
  type Ec2Handler,
  type Ec2Region,
  ec2Error,
  type FakeInstance,
  STATE_CODES,
  specTags,
} from './ec2-state.js';
import { createTags, deleteTags } from './ec2-tags.js';

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
