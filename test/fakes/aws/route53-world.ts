/**
 * A stateful in-memory Route 53 behind aws-sdk-client-mock: every Route53Client's send() is answered from
 * the fake's zones and changes. Injected faults come first (InvalidClientTokenId, Throttling); changes
 * stay PENDING until settle(); a command the fake does not model fails the test loudly.
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { Faults } from './faults.js';
import { changeResourceRecordSets, listResourceRecordSets } from './route53-records.js';
import { Route53State, r53Error } from './route53-state.js';
import {
  createHostedZone,
  deleteHostedZone,
  getChange,
  getHostedZone,
  listHostedZones,
  type Route53Handler,
} from './route53-zones.js';

const COMMANDS: Array<[new (input: any) => any, Route53Handler<any, any>]> = [
  [CreateHostedZoneCommand, createHostedZone],
  [GetHostedZoneCommand, getHostedZone],
  [ListHostedZonesCommand, listHostedZones],
  [DeleteHostedZoneCommand, deleteHostedZone],
  [GetChangeCommand, getChange],
  [ChangeResourceRecordSetsCommand, changeResourceRecordSets],
  [ListResourceRecordSetsCommand, listResourceRecordSets],
];

export interface Route53WorldOptions {
  /** Items per page of every listing, whatever MaxItems asks (small, so listings cross pages). */
  pageSize?: number;
  /** Which VPCs a private zone may answer in (default: any id in EC2's shape). */
  vpcExists?: (region: string, vpcId: string) => boolean;
}

export class Route53World {
  readonly state: Route53State;
  readonly faults = new Faults();
  private readonly mock = mockClient(Route53Client);

  constructor(options: Route53WorldOptions = {}) {
    this.state = new Route53State(
      options.pageSize ?? 2,
      options.vpcExists ?? ((_region, vpcId) => /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(vpcId)),
    );
    this.mock.onAnyCommand().callsFake(async (input: unknown) => {
      throw new Error(`the fake Route 53 does not model this command (input ${JSON.stringify(input)})`);
    });
    for (const [Command, handler] of COMMANDS) {
      const operation = Command.name.replace(/Command$/, '');
      this.mock.on(Command).callsFake(async (input: unknown) => {
        this.faults.check(operation, {
          auth: () =>
            r53Error('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
          throttled: () => r53Error('Throttling', 'Rate exceeded', 400),
        });
        return structuredClone(handler(input, this.state));
      });
    }
  }

  /** Every pending change is INSYNC. */
  settle(): void {
    this.state.now = new Date(this.state.now.getTime() + 60_000);
    this.state.settle();
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
