/** Shared fixtures of the AWS driver tests: a driver with no real waits, and SDK-shaped errors. */
import { EC2ServiceException, type Instance } from '@aws-sdk/client-ec2';
import { vi } from 'vitest';
import {
  type AwsCloudConfig,
  AwsComputeDriver,
  type AwsDriverDeps,
} from '../../../lib/providers/aws/compute.js';

export const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export function makeDriver(config: Partial<AwsCloudConfig> = {}, deps: AwsDriverDeps = {}) {
  const sleep = vi.fn(async (_ms: number) => {});
  const driver = new AwsComputeDriver(
    {
      cloudId: 'cloud-1',
      regions: ['us-east-1'],
      credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      ...config,
    },
    { sleep, random: () => 0.5, ...deps },
  );
  return { driver, sleep };
}

/** An error shaped as the SDK throws it for an EC2 error answer: the AWS code is the `name`. */
export function awsError(code: string, message = `${code} happened`, fault: 'client' | 'server' = 'client') {
  return new EC2ServiceException({
    name: code,
    $fault: fault,
    $metadata: { httpStatusCode: fault === 'client' ? 400 : 503, requestId: 'req-1' },
    message,
  });
}

export function instance(id: string, overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: id,
    InstanceType: 't3.micro',
    ImageId: 'ami-0abc',
    State: { Name: 'running', Code: 16 },
    Placement: { AvailabilityZone: 'us-east-1a' },
    Tags: [{ Key: 'Name', Value: `web-${id}` }],
    ...overrides,
  };
}
