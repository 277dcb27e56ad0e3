/**
 * A stateful in-memory EC2 behind aws-sdk-client-mock: every EC2Client's send() (the driver's own
 * clients, built as in production) is answered from the fake's state for the client's region. Injected
 * faults come first (AuthFailure, RequestLimitExceeded); a command the fake does not model fails the
 * test loudly instead of answering something made up.
 */
import { EC2Client, type InstanceStateName } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { CATALOG_COMMANDS, IMAGES } from './ec2-catalog.js';
import {
  INSTANCE_COMMANDS,
  type LaunchSpec,
  launch,
  settleInstance,
  settleInstances,
} from './ec2-instances.js';
import { SNAPSHOT_COMMANDS, settleSnapshots } from './ec2-snapshots.js';
import { type CommandTable, Ec2State, ec2Error, type FakeInstance } from './ec2-state.js';
import { VPC_COMMANDS } from './ec2-vpcs.js';
import { Faults } from './faults.js';

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

export class Ec2World {
  readonly state: Ec2State;
  readonly faults = new Faults();
  private readonly mock = mockClient(EC2Client);

  constructor(options: Ec2WorldOptions = {}) {
    this.state = new Ec2State(options.pageSize ?? 2);
    this.mock.onAnyCommand().callsFake(async (input: unknown) => {
      throw new Error(`the fake EC2 does not model this command (input ${JSON.stringify(input)})`);
    });
    for (const [Command, handler] of COMMANDS) {
      const operation = Command.name.replace(/Command$/, '');
      this.mock.on(Command).callsFake(async (input: unknown, getClient) => {
        const region = await getClient().config.region();
        this.faults.check(operation, {
          auth: () =>
            ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401),
          throttled: () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503),
        });
        // A copy, so the driver's later mutation of an answer never reaches the fake's state.
        return structuredClone(handler(input, this.state.region(region), this.state));
      });
    }
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

  failAuthentication(): void {
    this.faults.failAuthentication();
  }

  throttle(times: number): void {
    this.faults.throttle(times);
  }

  close(): void {
    this.mock.restore();
  }
}
