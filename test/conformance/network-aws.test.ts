/**
 * The AWS network driver against the network conformance suite (network-suite.ts), over the stateful
 * fake EC2 of test/fakes/aws (VPCs and subnets per region, paged, DependencyViolation and
 * InvalidSubnet.Conflict as EC2 answers them). No real waits: backoff sleeps are recorded.
 */
import { AwsNetworkDriver } from '../../lib/providers/aws/network.js';
import { VpcWorld } from '../fakes/aws/vpc-world.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../unit/aws/fixtures.js';
import { networkConformance } from './network-suite.js';

networkConformance({
  provider: 'aws',
  region: 'eu-west-1',
  zone: 'eu-west-1b',
  missing: { externalId: 'vpc-00000000000000dead', region: 'eu-west-1' },
  countedThrottling: true,
  async world() {
    const ec2 = new VpcWorld({ pageSize: 2 });
    const sleeps: number[] = [];
    const driver = new AwsNetworkDriver(
      {
        cloudId: 'cloud-aws',
        regions: ['eu-west-1', 'us-east-1'],
        credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts: 3 },
    );
    return {
      driver,
      attachMachine: async (subnet) => void ec2.attachMachine(subnet.region, subnet.externalId),
      failAuthentication: () => ec2.failAuthentication(),
      throttle: (times) => ec2.throttle(times),
      backoffSleeps: () => sleeps.length,
      close: async () => ec2.close(),
    };
  },
});
