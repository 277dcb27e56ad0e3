/** Small rules shared by the services of polled resources (zones, records, networks, subnets). */
import type { Collection } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { UnprocessableError } from '../core/errors.js';
import type { CloudDoc, PolledDoc } from '../db/documents.js';
import { type IdKind, isoOrNull, newId } from '../model/common.js';

/** `?missing=`: by default only what the last poll found; `true` only what it did not; `any` both. */
export function missingFilter(missing: 'true' | 'false' | 'any' | undefined) {
  if (missing === 'true') return { missingSince: { $ne: null } };
  if (missing === 'any') return {};
  return { missingSince: null };
}

/** Changes go through enabled clouds only, as machine actions do. */
export function requireEnabled(cloud: CloudDoc): void {
  if (!cloud.enabled) throw new UnprocessableError(`Cloud ${cloud._id} is disabled: enable it first`);
}

/** The three sightings every polled resource shows, as the API writes dates. */
export function seenView(doc: Pick<PolledDoc, 'firstSeenAt' | 'lastSeenAt' | 'missingSince'>) {
  return {
    firstSeenAt: doc.firstSeenAt.toISOString(),
    lastSeenAt: doc.lastSeenAt.toISOString(),
    missingSince: isoOrNull(doc.missingSince),
  };
}

/**
 * A resource the provider just returned (Nimbo created or changed it): written as a poll would write it,
 * inserted with its first sighting if the poll has not seen it yet, so the next poll finds it unchanged.
 */
export async function recordSeen<D extends PolledDoc>(
  deps: ServiceDeps,
  collection: Collection<D>,
  scope: { orgId: string; cloudId: string } & Record<string, unknown>,
  externalId: string,
  idKind: IdKind,
  fields: Record<string, unknown>,
): Promise<D> {
  const now = deps.now();
  const doc = await (collection as unknown as Collection<PolledDoc>).findOneAndUpdate(
    { ...scope, externalId },
    {
      $set: { ...fields, lastSeenAt: now, missingSince: null, updatedAt: now },
      $setOnInsert: { ...scope, _id: newId(idKind), externalId, firstSeenAt: now },
    },
    { upsert: true, returnDocument: 'after' },
  );
  return doc as unknown as D;
}
