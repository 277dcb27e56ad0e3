/** Shared fixtures of the GCE driver tests: a fake on 127.0.0.1, a throwaway key, a driver with no waits. */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { GcpComputeDriver, type GcpDriverDeps } from '../../../lib/providers/gcp/compute.js';
import type { GcpCredentials } from '../../../lib/providers/gcp/credentials.js';
import { GcpComputeFake } from '../../fakes/gcp/compute-fake.js';

/** Generated per run: a real RSA key, so the token grant is really signed. */
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export const credentials: GcpCredentials = {
  type: 'service_account',
  project_id: 'nimbo-test',
  client_email: 'nimbo@nimbo-test.iam.gserviceaccount.com',
  private_key: PRIVATE_KEY,
  private_key_id: '0123456789abcdef0123456789abcdef01234567',
};

/** Every base64 line of the key: none may show in an error message. */
export const keyLines = PRIVATE_KEY.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));

export function useFake() {
  const ctx = {} as { fake: GcpComputeFake; endpoint: string };
  beforeEach(async () => {
    ctx.fake = new GcpComputeFake();
    ctx.endpoint = await ctx.fake.start();
  });
  afterEach(async () => {
    await ctx.fake.stop();
  });
  return ctx;
}

export function makeDriver(
  endpoint: string,
  regions = ['europe-west1', 'us-central1'],
  deps: GcpDriverDeps = {},
) {
  const sleep = vi.fn(async (_ms: number) => {});
  const driver = new GcpComputeDriver(
    { cloudId: 'cloud-gcp', regions, credentials, endpoint },
    { sleep, random: () => 0.5, ...deps },
  );
  return { driver, sleep };
}

/**
 * Loads the Google SDKs before the file's first test: loading them (protos and all) takes seconds, more
 * on a busy machine, and would count against the first test's timeout rather than the longer hook's.
 */
export function preloadGcpSdks() {
  beforeAll(async () => {
    await Promise.all([import('@google-cloud/compute'), import('@google-cloud/dns'), import('google-gax')]);
  });
}
