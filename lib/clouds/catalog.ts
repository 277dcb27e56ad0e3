/** What a cloud offers (images, sizes, locations), asked of its provider. */

import type { ServiceDeps } from '../core/deps.js';
import { findCloud } from '../db/lookups.js';
import { computeDriverFor } from './drivers.js';

export async function listCatalog(
  deps: ServiceDeps,
  orgId: string,
  cloudId: string,
  kind: 'images' | 'sizes' | 'locations',
): Promise<Array<Record<string, unknown>>> {
  const driver = await computeDriverFor(deps, await findCloud(deps, orgId, cloudId));
  switch (kind) {
    case 'images':
      return (await driver.listImages()) as unknown as Array<Record<string, unknown>>;
    case 'sizes':
      return (await driver.listSizes()) as unknown as Array<Record<string, unknown>>;
    case 'locations':
      return (await driver.listLocations()) as unknown as Array<Record<string, unknown>>;
  }
}
