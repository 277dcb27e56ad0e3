import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AwsCredentialsSchema,
  clientCredentials,
  REFRESH_BEFORE_EXPIRY_MS,
  roleSessionName,
} from '../../../lib/providers/aws/credentials.js';
import { DEFAULT_BACKOFF } from '../../../lib/providers/aws/retry.js';
import { ProviderAuthError } from '../../../lib/providers/errors.js';
import { ACCESS_KEY_ID, instance, makeDriver, SECRET_ACCESS_KEY } from './fixtures.js';

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
beforeEach(() => {
  sts.reset();
  ec2.reset();
});
afterAll(() => {
  sts.restore();
  ec2.restore();
});

const ROLE_ARN = 'arn:aws:iam::123456789012:role/NimboAccess';
const SESSION_NAME_RE = /^[\w+=,.@-]{2,64}$/;
const t0 = new Date('2026-11-25T10:00:00Z');

function stsAnswers(expiration: Date, key = 'ASIATEMPORARYKEY0001') {
  return {
    Credentials: {
      AccessKeyId: key,
      SecretAccessKey: 'temporary-secret',
      SessionToken: 'temporary-token',
      Expiration: expiration,
    },
  };
}

const noWait = { ...DEFAULT_BACKOFF, sleep: async () => {} };

describe('the credentials schema', () => {
  it('accepts the three kinds of AWS credentials', () => {
    for (const c of [
      { type: 'role' },
      { type: 'assumeRole', roleArn: ROLE_ARN, externalId: 'ext-42', sessionName: 'ops@nimbo' },
      { type: 'assumeRole', roleArn: 'arn:aws-us-gov:iam::123456789012:role/path/Role' },
      { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: 's', sessionToken: 't' },
    ]) {
      expect(AwsCredentialsSchema.safeParse(c).success, JSON.stringify(c)).toBe(true);
    }
  });

  it('rejects unknown fields, unknown types, malformed role ARNs and session names', () => {
    for (const c of [
      { type: 'role', roleArn: ROLE_ARN },
      { type: 'password', password: 'x' },
      { type: 'assumeRole', roleArn: 'arn:aws:iam::123:user/bob' },
      { type: 'assumeRole', roleArn: ROLE_ARN, sessionName: 'has spaces' },
      { type: 'assumeRole', roleArn: ROLE_ARN, sessionName: 'x'.repeat(65) },
      { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID },
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    ]) {
      expect(AwsCredentialsSchema.safeParse(c).success, JSON.stringify(c)).toBe(false);
    }
  });
});

describe('the role session name', () => {
  it('names the cloud, within 64 characters of [\\w+=,.@-]', () => {
    expect(roleSessionName('65f1c2aa')).toBe('nimbo-65f1c2aa');
    const long = roleSessionName(`${'a'.repeat(80)} / ü`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(SESSION_NAME_RE);
    expect(roleSessionName('x', 'my session/1')).toBe('my-session-1');
    expect(roleSessionName('x', '')).toBe('nimbo');
  });
});

describe('assumed-role credentials', () => {
  it('call STS AssumeRole with the role ARN, external id and a valid session name', async () => {
    sts.on(AssumeRoleCommand).resolves(stsAnswers(new Date(t0.getTime() + 3600_000)));
    const provider = clientCredentials(
      { type: 'assumeRole', roleArn: ROLE_ARN, externalId: 'ext-42' },
      { cloudId: `cloud-${'9'.repeat(70)}`, region: 'eu-west-1', now: () => t0, backoff: noWait },
    );
    if (typeof provider !== 'function') throw new Error('expected a provider function');
    expect(await provider()).toEqual({
      accessKeyId: 'ASIATEMPORARYKEY0001',
      secretAccessKey: 'temporary-secret',
      sessionToken: 'temporary-token',
      expiration: new Date(t0.getTime() + 3600_000),
    });
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ROLE_ARN, ExternalId: 'ext-42' });
    const { RoleSessionName } = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(RoleSessionName).toMatch(SESSION_NAME_RE);
    expect(RoleSessionName!.startsWith('nimbo-cloud-999')).toBe(true);
  });

  it('reuse the cached credentials until shortly before they expire, then assume the role again', async () => {
    let now = t0;
    const expiry = new Date(t0.getTime() + 3600_000);
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(stsAnswers(expiry, 'ASIAFIRSTKEY00000001'))
      .resolves(stsAnswers(new Date(expiry.getTime() + 3600_000), 'ASIASECONDKEY0000002'));
    const provider = clientCredentials(
      { type: 'assumeRole', roleArn: ROLE_ARN },
      { cloudId: 'c1', region: 'eu-west-1', now: () => now, backoff: noWait },
    ) as () => Promise<{ accessKeyId: string }>;
    expect((await provider()).accessKeyId).toBe('ASIAFIRSTKEY00000001');
    now = new Date(expiry.getTime() - REFRESH_BEFORE_EXPIRY_MS - 1000);
    expect((await provider()).accessKeyId).toBe('ASIAFIRSTKEY00000001');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    now = new Date(expiry.getTime() - REFRESH_BEFORE_EXPIRY_MS + 1000);
    expect((await provider()).accessKeyId).toBe('ASIASECONDKEY0000002');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    const second = sts.commandCalls(AssumeRoleCommand)[1]!.args[0].input;
    expect(second.ExternalId).toBeUndefined();
  });

  it('are assumed once for every regional client of the cloud, even when they ask at once', async () => {
    sts.on(AssumeRoleCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 10));
      return stsAnswers(new Date(Date.now() + 3600_000));
    });
    // The fake send resolves the client's credentials, as the SDK's signer would.
    const seen: string[] = [];
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const identity = await getClient().config.credentials();
      seen.push(identity.accessKeyId);
      return { Reservations: [{ Instances: [instance('i-1')] }] };
    });
    const { driver } = makeDriver({
      regions: ['us-east-1', 'eu-west-1', 'ap-south-1'],
      credentials: { type: 'assumeRole', roleArn: ROLE_ARN, externalId: 'ext-42' },
    });
    await driver.listMachines();
    await driver.listMachines();
    expect(seen).toEqual(Array(6).fill('ASIATEMPORARYKEY0001'));
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('turn an AccessDenied from STS into ProviderAuthError naming the role, not the external id', async () => {
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: `User: arn:aws:sts::999999999999:assumed-role/nimbo-api is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`,
      }),
    );
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      await getClient().config.credentials();
      return { Reservations: [] };
    });
    const { driver } = makeDriver({
      credentials: { type: 'assumeRole', roleArn: ROLE_ARN, externalId: 'secret-external-id' },
    });
    const err = await driver.checkConnection().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect((err as Error).message).toContain(`STS AssumeRole ${ROLE_ARN}: AWS AccessDenied`);
    expect((err as Error).message).not.toContain('secret-external-id');
  });
});

describe('other credentials', () => {
  it('sign with the stored access keys', async () => {
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const identity = await getClient().config.credentials();
      expect(identity).toMatchObject({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY });
      return { Reservations: [] };
    });
    const { driver } = makeDriver();
    await driver.checkConnection();
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it("leave the Lambda function's own role to the SDK's default provider chain", () => {
    expect(clientCredentials({ type: 'role' }, { cloudId: 'c', region: 'us-east-1' })).toBeUndefined();
  });
});
