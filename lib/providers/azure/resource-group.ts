/**
 * The resource groups Nimbo creates into (`nimbo-<location>` for machines and networks, `nimbo-dns` for
 * zones): a PUT is idempotent, so "create when missing" is one call that also succeeds when it exists.
 */
import type { AzureClients } from './client.js';

export const MANAGED_BY_TAG = { 'managed-by': 'nimbo' };

/** The group Nimbo puts a location's machines and virtual networks in. */
export function locationGroup(location: string): string {
  return `nimbo-${location.toLowerCase()}`;
}

export async function ensureResourceGroup(
  azure: AzureClients,
  group: string,
  location: string,
): Promise<void> {
  const resources = await azure.resources();
  await azure.call(`create resource group ${group}`, () =>
    resources.resourceGroups.createOrUpdate(group, { location, tags: { ...MANAGED_BY_TAG } }),
  );
}
