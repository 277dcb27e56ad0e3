/**
 * The AWS dns driver against the dns conformance suite (dns-suite.ts), over the stateful fake Route 53
 * of test/fakes/aws: changes PENDING until settle(), zones paged by Marker, change batches refused with
 * InvalidChangeBatch as Route 53 does. No real waits: backoff sleeps are recorded.
 */
import { AwsDnsDriver } from '../../lib/providers/aws/dns.js';
import { Route53World } from '../fakes/aws/route53-world.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../unit/aws/fixtures.js';
import { dnsConformance } from './dns-suite.js';

const vpc = { region: 'eu-west-1', vpcId: 'vpc-0c0f0000000000001' };

dnsConformance({
  provider: 'aws',
  privateVpc: vpc,
  missingZoneId: 'Z00000000000DEAD',
  countedThrottling: true,
  async world() {
    // The only VPC of the account: a private zone answers in it and nowhere else.
    const r53 = new Route53World({
      pageSize: 2,
      vpcExists: (region, vpcId) => region === vpc.region && vpcId === vpc.vpcId,
    });
    const sleeps: number[] = [];
    const driver = new AwsDnsDriver(
      {
        cloudId: 'cloud-aws',
        credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      },
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts: 3 },
    );
    return {
      driver,
      settle: async () => r53.settle(),
      failAuthentication: () => r53.failAuthentication(),
      throttle: (times) => r53.throttle(times),
      backoffSleeps: () => sleeps.length,
      close: async () => r53.close(),
    };
  },
});
