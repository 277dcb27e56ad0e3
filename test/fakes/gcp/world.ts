/**
 * The GCP worlds of the dns and network conformance suites: one fake Google host on 127.0.0.1 (Compute
 * Engine with its VPC paths, Cloud DNS mounted on it, one token endpoint), the drivers pointed at it
 * through the official clients, backoff sleeps recorded, operations polled at once.
 */
import type { GcpSessionDeps } from '../../../lib/providers/gcp/session.js';
import { credentials, preloadGcpSdks } from '../../unit/gcp/fixtures.js';

export { preloadGcpSdks };

import { GcpComputeFake } from './compute-fake.js';

export const GCP_REGIONS = ['europe-west1', 'us-central1'];

export async function gcpWorld() {
  const fake = new GcpComputeFake();
  const endpoint = await fake.start();
  const sleeps: number[] = [];
  const deps: GcpSessionDeps = {
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    maxAttempts: 3,
  };
  const config = { cloudId: 'cloud-gcp', regions: GCP_REGIONS, credentials, endpoint };
  return {
    fake,
    config,
    deps,
    failAuthentication: () => fake.failNext(1, 401, { reason: 'authError' }),
    throttle: (times: number) => fake.failNext(Number.isFinite(times) ? times : 1000, 429),
    backoffSleeps: () => sleeps.length,
    close: () => fake.stop(),
  };
}
