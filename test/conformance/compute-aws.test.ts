/**
 * The AWS compute driver against the one conformance suite (compute-suite.ts), over the stateful fake
 * EC2 of test/fakes/aws: the driver builds its own EC2Clients as in production, and aws-sdk-client-mock
 * answers their sends from the fake's state. No real waits: backoff sleeps are recorded.
 */
import { AwsComputeDriver } from '../../lib/providers/aws/compute.js';
import { IMAGES } from '../fakes/aws/ec2-catalog.js';
import { Ec2World } from '../fakes/aws/ec2-world.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../unit/aws/fixtures.js';
import { computeConformance } from './compute-suite.js';

const regions: [string, string] = ['eu-west-1', 'us-east-1'];

computeConformance({
  provider: 'aws',
  regions,
  outsideRegion: 'ap-south-1',
  inRegion: (m, region) => m.region === region && (m.location ?? '').startsWith(region),
  create: { image: IMAGES[1]!.ImageId!, size: 't3.small' },
  resizeTo: 'm7i.large',
  missing: { externalId: 'i-00000000000000dead', region: 'eu-west-1' },
  countedThrottling: true,
  async world() {
    const ec2 = new Ec2World({ pageSize: 2 });
    const sleeps: number[] = [];
    const driver = new AwsComputeDriver(
      {
        cloudId: 'cloud-aws',
        // The suite acts mostly in its first region: as the cloud's second one here, so an action sent to
        // the cloud's first region instead of the machine's own is caught (EC2 would not find it).
        regions: [regions[1], regions[0]],
        credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts: 3 },
    );
    return {
      driver,
      settle: async () => ec2.settle(),
      async seed(machines) {
        for (const m of machines) ec2.seed({ region: m.region, name: m.name, state: m.state });
      },
      failAuthentication: () => ec2.failAuthentication(),
      throttle: (times) => ec2.throttle(times),
      backoffSleeps: () => sleeps.length,
      close: async () => ec2.close(),
    };
  },
});
