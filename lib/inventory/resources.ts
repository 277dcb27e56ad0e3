/**
 * The inventory pattern of machines (lib/inventory/machines.ts), for the other provider resources: zones,
 * records, networks, subnets. What the provider lists is matched by external id inside a scope (a cloud,
 * or a zone for records); new ones get firstSeenAt, listed ones lastSeenAt, unlisted ones missingSince,
 * and those back get it cleared. Only what changed is written.
 */
import type { AnyBulkWriteOperation, Collection, Filter } from 'mongodb';
import { type AuditInput, recordAuditMany } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import type { PolledDoc } from '../db/documents.js';
import type { RecordedActor, SystemActor } from '../model/actor.js';
import { type IdKind, newId } from '../model/common.js';

export interface ResourcePollSummary {
  listed: number;
  appeared: number;
  disappeared: number;
  returned: number;
  changed: number;
}

export interface PolledItem<F> {
  externalId: string;
  name: string;
  /** Every field the poll owns; compared as JSON with what is stored. */
  fields: F;
}

export interface ResourcePollSpec<D extends PolledDoc> {
  collection: Collection<D>;
  /** Which stored documents this listing covers: always org-scoped. */
  scope: Filter<D> & { orgId: string; cloudId: string };
  idKind: IdKind;
  /** Fields a new document gets besides the polled ones (e.g. the zone id of records). */
  base?: Partial<D>;
  /** Appear/disappear/return events are audited under this resource type; none when absent. */
  audit?: { type: string; actor: SystemActor | RecordedActor; jobId?: string };
}

export interface ResourcePollOutcome extends ResourcePollSummary {
  /** externalId -> our id, for every resource of the scope (listed or not). */
  ids: Map<string, string>;
}

export async function applyResourcePoll<D extends PolledDoc, F extends object>(
  deps: ServiceDeps,
  spec: ResourcePollSpec<D>,
  listed: PolledItem<F>[],
): Promise<ResourcePollOutcome> {
  const now = deps.now();
  const fieldKeys = listed[0] ? Object.keys(listed[0].fields) : [];
  const known = new Map<string, PolledDoc & Record<string, unknown>>();
  for await (const doc of spec.collection.find(spec.scope)) {
    known.set(doc.externalId, doc as unknown as PolledDoc & Record<string, unknown>);
  }
  const out: ResourcePollOutcome = {
    listed: listed.length,
    appeared: 0,
    disappeared: 0,
    returned: 0,
    changed: 0,
    ids: new Map([...known.values()].map((d) => [d.externalId, d._id])),
  };
  const ops: AnyBulkWriteOperation<PolledDoc>[] = [];
  const events: AuditInput[] = [];
  const event = (action: string, id: string, name: string) => {
    if (spec.audit) {
      events.push({
        actor: spec.audit.actor,
        action: `${spec.audit.type}.${action}`,
        resource: { type: spec.audit.type, id, name },
        ...(spec.audit.jobId ? { jobId: spec.audit.jobId } : {}),
        details: { cloudId: spec.scope.cloudId },
      });
    }
  };
  const seen = new Set<string>();
  const unchanged: string[] = [];
  for (const item of listed) {
    if (seen.has(item.externalId)) continue;
    seen.add(item.externalId);
    const before = known.get(item.externalId);
    if (!before) {
      const id = newId(spec.idKind);
      out.ids.set(item.externalId, id);
      out.appeared++;
      event('appeared', id, item.name);
      ops.push({
        updateOne: {
          filter: { ...spec.scope, externalId: item.externalId } as Filter<PolledDoc>,
          update: {
            $set: { ...item.fields, lastSeenAt: now, missingSince: null, updatedAt: now },
            $setOnInsert: {
              ...spec.base,
              _id: id,
              orgId: spec.scope.orgId,
              cloudId: spec.scope.cloudId,
              externalId: item.externalId,
              firstSeenAt: now,
            },
          },
          upsert: true,
        },
      });
      continue;
    }
    const changed = Object.fromEntries(
      fieldKeys
        .filter(
          (k) => JSON.stringify(before[k]) !== JSON.stringify((item.fields as Record<string, unknown>)[k]),
        )
        .map((k) => [k, (item.fields as Record<string, unknown>)[k]]),
    );
    if (before.missingSince) {
      out.returned++;
      event('returned', before._id, item.name);
    }
    if (Object.keys(changed).length) out.changed++;
    if (before.missingSince || Object.keys(changed).length) {
      ops.push({
        updateOne: {
          filter: { _id: before._id, orgId: spec.scope.orgId },
          update: { $set: { ...changed, lastSeenAt: now, missingSince: null, updatedAt: now } },
        },
      });
    } else unchanged.push(before._id);
  }
  const gone = [...known.values()].filter((d) => !seen.has(d.externalId) && !d.missingSince);
  if (gone.length) {
    ops.push({
      updateMany: {
        filter: { orgId: spec.scope.orgId, _id: { $in: gone.map((d) => d._id) } },
        update: { $set: { missingSince: now, updatedAt: now } },
      },
    });
    for (const d of gone) event('disappeared', d._id, String(d.name ?? d.externalId));
    out.disappeared = gone.length;
  }
  if (unchanged.length) {
    ops.push({
      updateMany: {
        filter: { orgId: spec.scope.orgId, _id: { $in: unchanged } },
        update: { $set: { lastSeenAt: now } },
      },
    });
  }
  if (ops.length) {
    await (spec.collection as unknown as Collection<PolledDoc>).bulkWrite(ops, { ordered: false });
  }
  if (events.length) await recordAuditMany(deps, spec.scope.orgId, events);
  return out;
}

/** A summary without the id map, for job results and audit details. */
export function summary(o: ResourcePollOutcome): ResourcePollSummary {
  const { ids, ...rest } = o;
  return rest;
}
