/**
 * The official @google-cloud/compute client on its REST transport, loaded on first use only: the SDK
 * and its protos take long to load and most Lambda invocations never talk to Google. One GceClients
 * holds the few service clients the driver needs, built once, sharing one auth client.
 *
 * Auth: without an endpoint, google-auth-library's JWT with the compute scope (Google's token URI).
 * google-auth-library hard-codes that URI (gtoken's GOOGLE_TOKEN_URL), so with an endpoint an
 * OAuth2Client is given a refreshHandler that performs the same JWT-bearer grant against
 * `${endpoint}/token`, signing the assertion with the key as Google's token endpoint expects.
 */
import { createSign } from 'node:crypto';
import type * as Compute from '@google-cloud/compute';
import { type BackoffOptions, retryThrottled } from '../backoff.js';
import type { GcpCredentials } from './credentials.js';
import { GcpOperationError, isGcpThrottling, mapGcpError } from './errors.js';

const SCOPE = 'https://www.googleapis.com/auth/compute';
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface GceClients {
  instances: Compute.InstancesClient;
  zones: Compute.ZonesClient;
  regions: Compute.RegionsClient;
  images: Compute.ImagesClient;
  machineTypes: Compute.MachineTypesClient;
  disks: Compute.DisksClient;
  snapshots: Compute.SnapshotsClient;
  zoneOperations: Compute.ZoneOperationsClient;
  globalOperations: Compute.GlobalOperationsClient;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The signed assertion of the JWT-bearer grant (RFC 7523), as Google's token endpoint checks it. */
export function signAssertion(c: GcpCredentials, tokenUri: string, nowSeconds: number): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: c.private_key_id }));
  const claims = b64url(
    JSON.stringify({
      iss: c.client_email,
      scope: SCOPE,
      aud: tokenUri,
      iat: nowSeconds,
      exp: nowSeconds + 3600,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(c.private_key);
  return `${header}.${claims}.${b64url(signature)}`;
}

async function loopbackToken(c: GcpCredentials, tokenUri: string, now: () => Date) {
  const assertion = signAssertion(c, tokenUri, Math.floor(now().getTime() / 1000));
  const res = await fetch(tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_GRANT, assertion }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number };
  if (!res.ok || !body.access_token) {
    // Shaped like a Google error so mapGcpError makes it a ProviderAuthError.
    // `status` makes gax decode it as UNAUTHENTICATED (not retried) rather than as a transport failure.
    throw Object.assign(new Error(`the token endpoint refused the key (${res.status})`), { status: 401 });
  }
  return { access_token: body.access_token, expiry_date: now().getTime() + (body.expires_in ?? 3600) * 1000 };
}

export async function createClients(
  credentials: GcpCredentials,
  endpoint: string | undefined,
  now: () => Date,
): Promise<GceClients> {
  const [compute, gax] = await Promise.all([import('@google-cloud/compute'), import('google-gax')]);
  const auth = gax.googleAuthLibrary;
  let authClient: InstanceType<typeof auth.OAuth2Client>;
  let transport: Record<string, unknown> = {};
  if (endpoint) {
    const url = new URL(endpoint);
    const tokenUri = `${endpoint.replace(/\/$/, '')}/token`;
    authClient = new auth.OAuth2Client();
    authClient.refreshHandler = () => loopbackToken(credentials, tokenUri, now);
    transport = {
      apiEndpoint: url.hostname,
      port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
      protocol: url.protocol.replace(':', ''),
    };
  } else {
    authClient = new auth.JWT({
      email: credentials.client_email,
      key: credentials.private_key,
      keyId: credentials.private_key_id,
      scopes: [SCOPE],
    });
  }
  // fallback: true is the REST transport (HTTP/1.1 + JSON); Compute Engine has no gRPC endpoint anyway.
  const opts = { fallback: true, authClient, projectId: credentials.project_id, ...transport };
  return {
    instances: new compute.InstancesClient(opts),
    zones: new compute.ZonesClient(opts),
    regions: new compute.RegionsClient(opts),
    images: new compute.ImagesClient(opts),
    machineTypes: new compute.MachineTypesClient(opts),
    disks: new compute.DisksClient(opts),
    snapshots: new compute.SnapshotsClient(opts),
    zoneOperations: new compute.ZoneOperationsClient(opts),
    globalOperations: new compute.GlobalOperationsClient(opts),
  };
}

/**
 * Run one call, retrying throttling only (a 429, or a 403 rateLimitExceeded) with full-jitter backoff,
 * and map whatever fails at the end. Other errors are never retried: a mutation may have run.
 */
export function callWithBackoff<T>(
  context: string,
  fn: () => Promise<T>,
  options: BackoffOptions,
  secrets: readonly string[],
): Promise<T> {
  return retryThrottled(fn, options, {
    isThrottled: isGcpThrottling,
    fail: (err, attempts) => mapGcpError(err, context, { attempts, secrets }),
  });
}

export interface GceOperation {
  name?: string | null;
  status?: string | number | null;
  zone?: string | null;
  httpErrorStatusCode?: number | null;
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
}

/** A finished operation that carries `error` throws it, shaped for mapGcpError. */
export function operationOutcome(op: GceOperation): void {
  const first = op.error?.errors?.[0];
  if (!first) return;
  throw new GcpOperationError(
    op.httpErrorStatusCode ?? 400,
    first.code ?? 'OPERATION_FAILED',
    first.message ?? `operation ${op.name} failed`,
  );
}

export function isDone(op: GceOperation): boolean {
  return op.status === 'DONE' || op.status === 2104194;
}
