/**
 * The resource groups Nimbo creates into (`nimbo-<location>` for machines and networks, `nimbo-dns` for
 * zones). The README has operators make them up front and grant Contributor on them only, so a group
 * that exists is only read (a PUT would need write on it, and fails on a group of another location);
 * a missing one is created, which works where the principal may.
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
  const found = await azure.call(`look up resource group ${group}`, () =>
    resources.resourceGroups.checkExistence(group),
  );
  if (found.body) return;
  await azure.call(`create resource group ${group}`, () =>
    resources.resourceGroups.createOrUpdate(group, { location, tags: { ...MANAGED_BY_TAG } }),
  );
}
