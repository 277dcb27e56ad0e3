/**
 * Talking to EC2 in one region of a cloud: one client per region, created on first use, and every call
 * wrapped so throttling is retried with backoff and any failure becomes a provider error naming the
 * operation and the region.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ProviderError } from '../../core/errors.js';
import type { AwsClientCredentials } from './credentials.js';
import { type BackoffOptions, callWithBackoff } from './retry.js';

/**
 * SDK retries stay at 2 tries (a dropped connection, a 5xx): throttling is retried by callWithBackoff,
 * and two nested retry loops would multiply into minutes inside a Lambda invocation.
 */
export const SDK_MAX_ATTEMPTS = 2;

/** Lambda invocations are short: a stuck connection must fail the call, not the whole invocation. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true };

export type Ec2Call = <T>(
  region: string,
  operation: string,
  fn: (ec2: EC2Client) => Promise<T>,
  subject?: string,
) => Promise<T>;

export interface Ec2RegionsOptions {
  credentials: AwsClientCredentials;
  backoff: BackoffOptions;
  secrets: readonly string[];
  clientFor?: (region: string) => EC2Client;
  /** The cloud's `settings.endpoint`: one base URL for every region (a local fake, a private endpoint). */
  endpoint?: string;
}

export class Ec2Regions {
  private readonly clients = new Map<string, EC2Client>();

  constructor(private readonly options: Ec2RegionsOptions) {}

  client(region: string): EC2Client {
    let client = this.clients.get(region);
    if (!client) {
      client =
        this.options.clientFor?.(region) ??
        new EC2Client({
          region,
          maxAttempts: SDK_MAX_ATTEMPTS,
          requestHandler: REQUEST_HANDLER,
          ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
          ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        });
      this.clients.set(region, client);
    }
    return client;
  }

  /** One EC2 call; `subject` (an instance id, ...) goes into error messages with the operation and region. */
  readonly call: Ec2Call = (region, operation, fn, subject) => {
    const context = `EC2 ${operation}${subject ? ` ${subject}` : ''} in ${region}`;
    return callWithBackoff(context, () => fn(this.client(region)), this.options.backoff, {
      secrets: this.options.secrets,
    });
  };
}

/**
 * Every page of a NextToken-paginated call. Each page is its own call (and its own backoff), so a
 * throttled third page does not replay the first two.
 */
export async function allPages<T>(
  fetchPage: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    out.push(...(page.items ?? []));
    token = page.next || undefined;
    if (token !== undefined) {
      // A repeated token would loop forever inside a Lambda that pays by the millisecond.
      if (seen.has(token)) throw new ProviderError(`AWS pagination repeated the token ${token}`);
      seen.add(token);
    }
  } while (token !== undefined);
  return out;
}
