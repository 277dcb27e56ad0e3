/**
 * A stateful in-memory Route 53 behind aws-sdk-client-mock: every Route53Client's send() is answered from
 * the fake's zones and changes. Injected faults come first (InvalidClientTokenId, Throttling); changes
 * stay PENDING until settle(); a command the fake does not model fails the test loudly.
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { SdkFake } from './faults.js';
import { RECORD_COMMANDS } from './route53-records.js';
import { Route53State, r53Error } from './route53-state.js';
import { ZONE_COMMANDS } from './route53-zones.js';

export interface Route53WorldOptions {
  /** Items per page of every listing, whatever MaxItems asks (small, so listings cross pages). */
  pageSize?: number;
  /** Which VPCs a private zone may answer in (default: any id in EC2's shape). */
  vpcExists?: (region: string, vpcId: string) => boolean;
}

export class Route53World extends SdkFake {
  readonly state: Route53State;

  constructor(options: Route53WorldOptions = {}) {
    super(mockClient(Route53Client), 'Route 53', {
      auth: () =>
        r53Error('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      throttled: () => r53Error('Throttling', 'Rate exceeded', 400),
    });
    const state = new Route53State(
      options.pageSize ?? 2,
      options.vpcExists ?? ((_region, vpcId) => /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(vpcId)),
    );
    this.state = state;
    this.serve(
      [...ZONE_COMMANDS, ...RECORD_COMMANDS].map(([Command, handler]) => [
        Command,
        async (input) => handler(input, state),
      ]),
    );
  }

  /** Every pending change is INSYNC. */
  settle(): void {
    this.state.now = new Date(this.state.now.getTime() + 60_000);
    this.state.settle();
  }
}
