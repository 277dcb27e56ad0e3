/** GCE failures → Nimbo's provider errors: throttling retried, auth and the rest mapped, no secret shown. */
import { describe, expect, it } from 'vitest';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
} from '../../../lib/providers/errors.js';
import { credentialSecrets } from '../../../lib/providers/gcp/credentials.js';
import { GcpOperationError, mapGcpError } from '../../../lib/providers/gcp/errors.js';
import { credentials, keyLines, makeDriver, PRIVATE_KEY, useFake } from './fixtures.js';

const ctx = useFake();
const web = { externalId: 'web', region: 'europe-west1-b' };

describe('throttling', () => {
  it('retries 429 with backoff: twice throttled, then through', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('europe-west1-b', 'web');
    const { driver, sleep } = makeDriver(endpoint);
    fake.failNext(2, 429);
    await expect(driver.listMachines()).resolves.toHaveLength(1);
    expect(sleep).toHaveBeenCalledTimes(2);
    // Full jitter with random() = 0.5: half of 250 ms, then half of 500 ms.
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([125, 250]);
  });

  it('retries a 403 rateLimitExceeded like a 429', async () => {
    const { fake, endpoint } = ctx;
    fake.seed('europe-west1-b', 'web');
    const { driver, sleep } = makeDriver(endpoint);
    fake.failNext(1, 403, { reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
    await driver.stopMachine(web);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(fake.instance('europe-west1-b', 'web')?.status).toBe('TERMINATED');
  });

  it('gives up after maxAttempts with ProviderThrottledError', async () => {
    const { fake, endpoint } = ctx;
    const { driver, sleep } = makeDriver(endpoint, ['europe-west1'], { maxAttempts: 3 });
    fake.failNext(1000, 429);
    const out = driver.listMachines();
    await expect(out).rejects.toBeInstanceOf(ProviderThrottledError);
    await expect(out).rejects.toThrow(/gave up after 3 attempts/);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('does not retry other errors', async () => {
    const { fake, endpoint } = ctx;
    const { driver, sleep } = makeDriver(endpoint);
    fake.failNext(1, 500);
    await expect(driver.listMachines()).rejects.toThrow(/GCE 500/);
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe('timeouts', () => {
  it('a call that does not answer in time is ProviderTimeoutError, not retried', async () => {
    const { fake, endpoint } = ctx;
    const { driver, sleep } = makeDriver(endpoint, ['europe-west1'], { callTimeoutMs: 100 });
    fake.delayMs = 400;
    const out = driver.listMachines();
    await expect(out).rejects.toBeInstanceOf(ProviderTimeoutError);
    await expect(out).rejects.toThrow(/instances\.aggregatedList in project nimbo-test/);
    expect(sleep).not.toHaveBeenCalled();
    fake.delayMs = 0;
  });
});

describe('auth', () => {
  it('401 from the API is ProviderAuthError, and the key never shows', async () => {
    const { fake, endpoint } = ctx;
    const { driver } = makeDriver(endpoint);
    fake.failNext(1000, 401, { reason: 'authError', message: `bad key ${PRIVATE_KEY}` });
    const err = await driver.checkConnection().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    const text = `${(err as Error).message} ${JSON.stringify(err)} ${(err as Error).stack}`;
    expect((err as Error).message).toMatch(/regions\.get europe-west1: GCE 401/);
    for (const line of keyLines) expect(text).not.toContain(line);
    expect((err as Error).cause).toBeUndefined(); // the cause held the key: logs get nothing
  });

  it('a token endpoint refusing the grant is ProviderAuthError', async () => {
    const { driver } = makeDriver(`${ctx.endpoint}/nowhere`);
    await expect(driver.listMachines()).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it('a request without the bearer token is refused by the fake', async () => {
    const res = await fetch(`${ctx.endpoint}/compute/v1/projects/nimbo-test/zones`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
  });
});

describe('mapGcpError', () => {
  const grpc = (code: number, message: string, httpStatusCode?: number) =>
    Object.assign(new Error(message), { code, ...(httpStatusCode ? { httpStatusCode } : {}) });
  const apiError = (code: number, reason: string, message: string) =>
    Object.assign(new Error(message), { code, errors: [{ reason, message }] });

  it.each([
    [grpc(16, 'unauthenticated', 401), ProviderAuthError],
    [grpc(7, 'forbidden', 403), ProviderAuthError],
    [grpc(5, 'gone', 404), ProviderNotFoundError],
    [grpc(8, 'slow down', 429), ProviderThrottledError],
    [grpc(6, 'exists', 409), ProviderConflictError],
    [grpc(9, 'precondition', 412), ProviderConflictError],
    [grpc(3, 'Invalid value for field machineType', 400), ProviderRejectedError],
    [grpc(3, "The resource 'x' is not ready", 400), MachineStateError],
    [new GcpOperationError(400, 'RESOURCE_NOT_READY', 'busy'), MachineStateError],
    [Object.assign(new Error('socket hang up'), { code: 'ETIMEDOUT' }), ProviderTimeoutError],
    [grpc(4, 'Deadline exceeded'), ProviderTimeoutError],
    // A network with subnetworks, a subnetwork with instances: the delete operation fails so.
    [new GcpOperationError(400, 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', 'in use'), ProviderConflictError],
    [
      grpc(3, "Invalid IPCidrRange: 10.0.0.0/24 conflicts with existing subnetwork 'a'", 400),
      ProviderConflictError,
    ],
    // @google-cloud/common's ApiError (Cloud DNS): the HTTP status is its `code`.
    [apiError(400, 'containerNotEmpty', 'not empty'), ProviderConflictError],
    [apiError(404, 'notFound', 'no such zone'), ProviderNotFoundError],
    [apiError(409, 'alreadyExists', 'exists'), ProviderConflictError],
    [apiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded'), ProviderThrottledError],
    [apiError(401, 'authError', 'Invalid Credentials'), ProviderAuthError],
  ])('%s', (err, cls) => {
    const mapped = mapGcpError(err, 'instances.start web in europe-west1-b');
    expect(mapped).toBeInstanceOf(cls);
    expect(mapped.message).toMatch(/^instances\.start web in europe-west1-b: GCE /);
  });

  it('redacts every credential secret', () => {
    const err = grpc(3, `cannot parse ${keyLines[3]} of ${credentials.private_key_id}`, 400);
    const mapped = mapGcpError(err, 'x', { secrets: credentialSecrets(credentials) });
    expect(mapped.message).not.toContain(keyLines[3]);
    expect(mapped.message).not.toContain(credentials.private_key_id);
    expect(mapped.message).toContain('[redacted]');
  });
});
