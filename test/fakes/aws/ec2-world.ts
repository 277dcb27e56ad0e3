/**
 * A stateful in-memory EC2 behind aws-sdk-client-mock: every EC2Client's send() (the driver's own
 * clients, built as in production) is answered from the fake's state for the client's region. Injected
 * faults come first (AuthFailure, RequestLimitExceeded); a command the fake does not model fails the
 * test loudly instead of answering something made up.
 */
import { EC2Client, type InstanceStateName } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { CATALOG_COMMANDS, IMAGES } from './ec2-catalog.js';
import { INSTANCE_COMMANDS } from './ec2-instances.js';
import { type LaunchSpec, launch, settleInstance, settleInstances } from './ec2-launch.js';
import { SNAPSHOT_COMMANDS, settleSnapshots } from './ec2-snapshots.js';
import { type CommandTable, Ec2State, ec2Error, type FakeInstance } from './ec2-state.js';
import { VPC_COMMANDS } from './ec2-vpcs.js';
import { SdkFake } from './faults.js';

const COMMANDS: CommandTable = [
  ...INSTANCE_COMMANDS,
  ...SNAPSHOT_COMMANDS,
  ...CATALOG_COMMANDS,
  ...VPC_COMMANDS,
];

export interface Ec2WorldOptions {
  /** Items per page of every listing, whatever MaxResults asks (small, so listings cross pages). */
  pageSize?: number;
}

export interface SeedInstance extends Partial<LaunchSpec> {
  region: string;
  state?: InstanceStateName;
}

export class Ec2World extends SdkFake {
  readonly state: Ec2State;

  constructor(options: Ec2WorldOptions = {}) {
    super(mockClient(EC2Client), 'EC2', {
      auth: () =>
        ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401),
      throttled: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503),
    });
    const state = new Ec2State(options.pageSize ?? 2);
    this.state = state;
    // Each command in the state of the client's own region: EC2 is regional.
    this.serve(
      COMMANDS.map(([Command, handler]) => [
        Command,
        async (input, getClient) => handler(input, state.region(await getClient().config.region()), state),
      ]),
    );
  }

  /** Puts an instance in the world as if launched outside Nimbo, already settled in `state`. */
  seed(spec: SeedInstance): FakeInstance {
    const region = this.state.region(spec.region);
    const instance = launch(region, this.state, this.state.id('r'), {
      type: 't3.micro',
      imageId: IMAGES[1]!.ImageId!,
      dataVolumes: [20],
      ...spec,
    });
    // Through EC2's own transitions, so a seeded instance looks like one that lived (a running one has
    // its public address, a terminated one has lost its volumes); only this instance moves.
    const wanted = spec.state ?? 'running';
    if (wanted !== 'pending') settleInstance(region, instance);
    if (wanted === 'stopped' || wanted === 'stopping') instance.state = 'stopping';
    if (wanted === 'terminated' || wanted === 'shutting-down') instance.state = 'shutting-down';
    if (wanted === 'stopped' || wanted === 'terminated') settleInstance(region, instance);
    return instance;
  }

  /** Finishes every transition of every region: instance states, snapshots, root volume replacements. */
  settle(): void {
    this.state.now = new Date(this.state.now.getTime() + 60_000);
    for (const region of this.state.allRegions()) {
      settleInstances(region);
      settleSnapshots(region, this.state);
    }
  }
}
