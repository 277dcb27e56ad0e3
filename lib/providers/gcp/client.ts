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
import type * as Gax from 'google-gax';
import { type BackoffOptions, retryThrottled } from '../backoff.js';
import type { GcpCredentials } from './credentials.js';
import { GcpOperationError, isGcpThrottling, mapGcpError } from './errors.js';

export const COMPUTE_SCOPE = 'https://www.googleapis.com/auth/compute';
/** Cloud DNS wants its own scope: a compute-scoped token is refused there. */
export const DNS_SCOPE = 'https://www.googleapis.com/auth/ndev.clouddns.readwrite';
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
  regionOperations: Compute.RegionOperationsClient;
  networks: Compute.NetworksClient;
  subnetworks: Compute.SubnetworksClient;
}

export type GoogleAuthClient = InstanceType<typeof Gax.googleAuthLibrary.OAuth2Client>;

/** Where the official clients send their calls: Google's hosts, or a loopback endpoint in tests. */
export interface GoogleAuthSetup {
  authClient: GoogleAuthClient;
  /** gax's apiEndpoint/port/protocol overrides; empty for Google's own hosts. */
  transport: { apiEndpoint?: string; port?: number; protocol?: string };
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The signed assertion of the JWT-bearer grant (RFC 7523), as Google's token endpoint checks it. */
export function signAssertion(
  c: GcpCredentials,
  tokenUri: string,
  nowSeconds: number,
  scope = COMPUTE_SCOPE,
): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: c.private_key_id }));
  const claims = b64url(
    JSON.stringify({
      iss: c.client_email,
      scope,
      aud: tokenUri,
      iat: nowSeconds,
      exp: nowSeconds + 3600,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(c.private_key);
  return `${header}.${claims}.${b64url(signature)}`;
}

async function loopbackToken(c: GcpCredentials, tokenUri: string, now: () => Date, scope: string) {
  const assertion = signAssertion(c, tokenUri, Math.floor(now().getTime() / 1000), scope);
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

/** The auth client of one API (its scope), and the transport overrides that go with an endpoint. */
export async function createAuth(
  credentials: GcpCredentials,
  endpoint: string | undefined,
  now: () => Date,
  scope: string,
): Promise<GoogleAuthSetup> {
  const auth = (await import('google-gax')).googleAuthLibrary;
  if (!endpoint) {
    const authClient = new auth.JWT({
      email: credentials.client_email,
      key: credentials.private_key,
      keyId: credentials.private_key_id,
      scopes: [scope],
    });
    return { authClient, transport: {} };
  }
  const url = new URL(endpoint);
  const tokenUri = `${endpoint.replace(/\/$/, '')}/token`;
  const authClient = new auth.OAuth2Client();
  authClient.refreshHandler = () => loopbackToken(credentials, tokenUri, now, scope);
  const transport = {
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
    protocol: url.protocol.replace(':', ''),
  };
  return { authClient, transport };
}

export async function createClients(
  credentials: GcpCredentials,
  endpoint: string | undefined,
  now: () => Date,
): Promise<GceClients> {
  const [compute, { authClient, transport }] = await Promise.all([
    import('@google-cloud/compute'),
    createAuth(credentials, endpoint, now, COMPUTE_SCOPE),
  ]);
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
    regionOperations: new compute.RegionOperationsClient(opts),
    networks: new compute.NetworksClient(opts),
    subnetworks: new compute.SubnetworksClient(opts),
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
  service?: string,
): Promise<T> {
  return retryThrottled(fn, options, {
    isThrottled: isGcpThrottling,
    fail: (err, attempts) => mapGcpError(err, context, { attempts, secrets }, service),
  });
}

export interface GceOperation {
  name?: string | null;
  status?: string | number | null;
  zone?: string | null;
  region?: string | null;
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
