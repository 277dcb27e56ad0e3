/**
 * What every AWS driver of a cloud shares: how it signs (its own role, an assumed role, access keys),
 * how it backs off when throttled, and which strings must never show in an error.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import {
  type AwsClientCredentials,
  type AwsCredentials,
  clientCredentials,
  credentialSecrets,
} from './credentials.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './retry.js';

export interface AwsContextDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Tries per call when AWS throttles us, the first included. */
  maxAttempts?: number;
  sts?: STSClient;
  now?: () => Date;
}

export interface AwsContext {
  credentials: AwsClientCredentials;
  backoff: BackoffOptions;
  secrets: string[];
}

export function awsContext(
  config: { cloudId: string; region: string; credentials: AwsCredentials },
  deps: AwsContextDeps = {},
): AwsContext {
  const backoff = {
    ...DEFAULT_BACKOFF,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.maxAttempts ? { maxAttempts: deps.maxAttempts } : {}),
  };
  return {
    credentials: clientCredentials(config.credentials, {
      cloudId: config.cloudId,
      region: config.region,
      backoff,
      ...(deps.sts ? { sts: deps.sts } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    }),
    backoff,
    secrets: credentialSecrets(config.credentials),
  };
}
