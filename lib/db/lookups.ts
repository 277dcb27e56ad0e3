/**
 * Org-scoped lookups: a tenant's document by id, or 404. The org is part of every filter, so another org's
 * document reads exactly like a missing one (no existence leak). Every domain finds documents through
 * these, which is also what lets machines, dns, networks and probes read a cloud or a machine without
 * importing one another.
 */
import type { Collection, Filter } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { NotFoundError } from '../core/errors.js';
import { collections } from './collections.js';
import type { CloudDoc, KeyDoc, MachineDoc, NetworkDoc, ZoneDoc } from './documents.js';

interface OrgDocument {
  _id: string;
  orgId: string;
}

/**
 * The one document of `orgId` with this id that also matches `scope` (a parent: the zone of a record), or a
 * NotFoundError saying `notFound`.
 */
export async function findOwned<T extends OrgDocument>(
  collection: Collection<T>,
  orgId: string,
  id: string,
  notFound: string,
  scope: Partial<Omit<T, '_id' | 'orgId'>> = {},
): Promise<T> {
  const doc = await collection.findOne({ ...scope, _id: id, orgId } as Filter<T>);
  if (!doc) throw new NotFoundError(notFound);
  return doc as T;
}

/** `findOwned` with the usual message: "<What> <id> not found". */
export function findInOrg<T extends OrgDocument>(
  collection: Collection<T>,
  what: string,
  orgId: string,
  id: string,
): Promise<T> {
  return findOwned(collection, orgId, id, `${what} ${id} not found`);
}

export function findMachine(deps: ServiceDeps, orgId: string, machineId: string): Promise<MachineDoc> {
  return findInOrg(collections(deps.db).machines, 'Machine', orgId, machineId);
}

export function findCloud(deps: ServiceDeps, orgId: string, cloudId: string): Promise<CloudDoc> {
  return findInOrg(collections(deps.db).clouds, 'Cloud', orgId, cloudId);
}

export function findZone(deps: ServiceDeps, orgId: string, zoneId: string): Promise<ZoneDoc> {
  return findInOrg(collections(deps.db).zones, 'Zone', orgId, zoneId);
}

export function findNetwork(deps: ServiceDeps, orgId: string, networkId: string): Promise<NetworkDoc> {
  return findInOrg(collections(deps.db).networks, 'Network', orgId, networkId);
}

export function findKey(deps: ServiceDeps, orgId: string, keyId: string): Promise<KeyDoc> {
  return findInOrg(collections(deps.db).keys, 'Key', orgId, keyId);
}
