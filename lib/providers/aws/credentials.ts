/**
 * How Nimbo signs a cloud's EC2 calls: as the Lambda function's own role, as a role assumed in the
 * customer's account (the recommended way: no long-lived secret is stored), or with stored access keys.
 */
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { z } from 'zod';
import { ProviderAuthError } from '../errors.js';
import { type BackoffOptions, callWithBackoff, DEFAULT_BACKOFF } from './retry.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export const AwsCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('role') }),
  z.strictObject({
    type: z.literal('assumeRole'),
    roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'not an IAM role ARN'),
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, 'an external ID has 2 to 1224 characters of [\\w+=,.@:/-]')
      .optional(),
    sessionName: z
      .string()
      .regex(SESSION_NAME, 'a session name has 2 to 64 characters of [\\w+=,.@-]')
      .optional(),
  }),
  z.strictObject({
    type: z.literal('accessKeys'),
    accessKeyId: z.string().regex(/^\w{16,128}$/, 'not an access key ID'),
    secretAccessKey: z.string().min(1),
    sessionToken: z.string().min(1).optional(),
  }),
]);
export type AwsCredentials = z.infer<typeof AwsCredentialsSchema>;

/** What an EC2Client accepts as `credentials`: undefined means the default provider chain. */
export type AwsClientCredentials = EC2ClientConfig['credentials'];

interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Assumed-role credentials are renewed this long before they expire, so no call is signed with stale ones. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * A RoleSessionName shows in the customer's CloudTrail, so it names the cloud; STS accepts at most 64
 * characters of [\w+=,.@-] and at least 2.
 */
export function roleSessionName(cloudId: string, requested?: string): string {
  const name = (requested ?? `nimbo-${cloudId}`).replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return name.length >= 2 ? name : 'nimbo';
}

/** Everything that must never show in an error message or a log. */
export function credentialSecrets(credentials: AwsCredentials): string[] {
  if (credentials.type !== 'accessKeys') return [];
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return sessionToken ? [accessKeyId, secretAccessKey, sessionToken] : [accessKeyId, secretAccessKey];
}

export interface CredentialDeps {
  cloudId: string;
  /** STS is called in the cloud's first region: regional endpoints keep working if the global one is off. */
  region: string;
  sts?: STSClient;
  now?: () => Date;
  backoff?: BackoffOptions;
}

/** An assumed-role provider: one AssumeRole per session, shared by every regional client of the cloud. */
function assumeRoleProvider(
  credentials: Extract<AwsCredentials, { type: 'assumeRole' }>,
  deps: CredentialDeps,
): () => Promise<TemporaryCredentials> {
  const sts = deps.sts ?? new STSClient({ region: deps.region, maxAttempts: 2 });
  const now = deps.now ?? (() => new Date());
  let cached: TemporaryCredentials | undefined;
  // Parallel regional listings ask at once: they share one AssumeRole instead of racing N of them.
  let inFlight: Promise<TemporaryCredentials> | undefined;

  const fresh = (c: TemporaryCredentials | undefined): c is TemporaryCredentials =>
    c?.expiration !== undefined && c.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS > now().getTime();

  const assume = async (): Promise<TemporaryCredentials> => {
    const out = await callWithBackoff(
      `STS AssumeRole ${credentials.roleArn}`,
      () =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: credentials.roleArn,
            RoleSessionName: roleSessionName(deps.cloudId, credentials.sessionName),
            ...(credentials.externalId ? { ExternalId: credentials.externalId } : {}),
          }),
        ),
      deps.backoff ?? DEFAULT_BACKOFF,
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new ProviderAuthError(`STS AssumeRole ${credentials.roleArn} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  };

  return async () => {
    if (fresh(cached)) return cached;
    inFlight ??= assume().finally(() => {
      inFlight = undefined;
    });
    cached = await inFlight;
    return cached;
  };
}

/** The `credentials` to give every EC2Client of a cloud. */
export function clientCredentials(credentials: AwsCredentials, deps: CredentialDeps): AwsClientCredentials {
  switch (credentials.type) {
    case 'role':
      return undefined;
    case 'accessKeys':
      return {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      };
    case 'assumeRole':
      return assumeRoleProvider(credentials, deps);
  }
}
