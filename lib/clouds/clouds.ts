/**
 * Clouds: add (credentials proven by a real connection check first, as mist's check_connection), list,
 * get, rename, enable/disable, delete (its machines are marked missing, never erased), poll on demand.
 */

import { MongoServerError } from 'mongodb';
import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { CloudDoc } from '../db/documents.js';
import { findCloud } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { recordEvents } from '../events/record.js';
import { cloudEventRef } from '../events/refs.js';
import { enqueueJobs, type JobDeps } from '../jobs/jobs.js';
import type { Actor, TokenActor } from '../model/actor.js';
import type { CloudView, CreateCloudBody } from '../model/cloud.js';
import { isoOrNull, newId } from '../model/common.js';
import { searchRegex } from '../model/list.js';
import { CAPABILITIES, type Provider } from '../providers/capabilities.js';
import { ProviderAuthError } from '../providers/errors.js';
import { cloudShape } from './cloud-shape.js';
import { buildComputeDriver, sealCredentials } from './drivers.js';
import { checkEndpoint } from './endpoint.js';

export function toCloudView(doc: CloudDoc): CloudView {
  return {
    id: doc._id,
    name: doc.name,
    provider: doc.provider,
    providerLabel: CAPABILITIES[doc.provider].label,
    simulated: doc.provider === 'sim',
    enabled: doc.enabled,
    disabledReason: doc.disabledReason,
    regions: doc.regions,
    credentials: doc.credentialsSummary,
    settings: doc.settings,
    pollIntervalMinutes: doc.pollIntervalMinutes,
    lastPollAt: isoOrNull(doc.lastPollAt),
    nextPollAt: isoOrNull(doc.nextPollAt),
    lastPollError: doc.lastPollError
      ? { ...doc.lastPollError, at: doc.lastPollError.at.toISOString() }
      : null,
    consecutiveFailures: doc.consecutiveFailures,
    ...resourcePollErrorsView(doc),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** The DNS and network parts of the last poll, when one failed (the machines part is lastPollError). */
function resourcePollErrorsView(doc: CloudDoc) {
  const failed = Object.entries(doc.resourcePollErrors ?? {}).filter(([, e]) => e);
  if (!failed.length) return {};
  return {
    resourcePollErrors: Object.fromEntries(failed.map(([k, e]) => [k, { ...e!, at: e!.at.toISOString() }])),
  };
}

function duplicateName(name: string, cause?: unknown): ConflictError {
  return new ConflictError(`A cloud named "${name}" already exists in this org`, { cause });
}

export async function createCloud(
  deps: JobDeps,
  actor: TokenActor,
  body: CreateCloudBody,
  requestId: string,
): Promise<{ cloud: CloudView; pollJobId: string }> {
  const { clouds } = collections(deps.db);
  if (await clouds.findOne({ orgId: actor.orgId, name: body.name }, { projection: { _id: 1 } })) {
    throw duplicateName(body.name);
  }
  const cloudId = newId('cloud');
  const { regions, settings, credentials, credentialsSummary, endpoint } = cloudShape(body);
  await checkEndpoint(endpoint);
  const driver = await buildComputeDriver(deps, {
    cloudId,
    provider: body.provider,
    regions,
    settings,
    credentials,
  });
  try {
    await driver.checkConnection();
  } catch (err) {
    await recordAudit(deps, {
      actor,
      action: 'cloud.create',
      resource: { type: 'cloud', id: cloudId, name: body.name },
      error: err,
      requestId,
    });
    if (err instanceof ProviderAuthError) {
      throw new UnprocessableError(`The provider rejected the credentials: ${err.message}`, { cause: err });
    }
    throw err;
  }
  const now = deps.now();
  const doc: CloudDoc = {
    _id: cloudId,
    orgId: actor.orgId,
    name: body.name,
    provider: body.provider,
    enabled: true,
    disabledReason: null,
    regions,
    settings,
    credentials: credentials ? await sealCredentials(actor.orgId, cloudId, credentials) : null,
    credentialsSummary,
    pollIntervalMinutes: body.pollIntervalMinutes,
    nextPollAt: new Date(now.getTime() + body.pollIntervalMinutes * 60_000),
    lastPollAt: null,
    lastPollError: null,
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await clouds.insertOne(doc);
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) throw duplicateName(body.name, err);
    throw err;
  }
  await recordAudit(deps, {
    actor,
    action: 'cloud.create',
    resource: { type: 'cloud', id: cloudId, name: body.name },
    requestId,
    details: { provider: body.provider, regions },
  });
  // The first inventory right away, rather than at the first interval.
  const [job] = await enqueueJobs(deps, actor, [pollJob(cloudId)], requestId);
  return { cloud: toCloudView(doc), pollJobId: job!._id };
}

export function pollJob(cloudId: string) {
  return { type: 'cloud.poll' as const, resource: { type: 'cloud', id: cloudId }, input: { cloudId } };
}

export async function listClouds(
  deps: ServiceDeps,
  orgId: string,
  query: PageRequest & { q?: string; provider?: Provider },
): Promise<Page<CloudView>> {
  const filter = {
    orgId,
    ...(query.q ? { name: searchRegex(query.q) } : {}),
    ...(query.provider ? { provider: query.provider } : {}),
  };
  const page = await findPage(collections(deps.db).clouds, filter, query);
  return { items: page.items.map(toCloudView), nextCursor: page.nextCursor };
}

export async function updateCloud(
  deps: ServiceDeps,
  actor: Actor,
  cloudId: string,
  patch: { name?: string; enabled?: boolean; pollIntervalMinutes?: number },
  requestId: string,
): Promise<CloudView> {
  const cloud = await findCloud(deps, actor.orgId, cloudId);
  const now = deps.now();
  const set: Partial<CloudDoc> = { updatedAt: now };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.pollIntervalMinutes !== undefined) set.pollIntervalMinutes = patch.pollIntervalMinutes;
  if (patch.enabled === true) {
    // Re-enabling forgives the past: the failure count and backoff start over.
    Object.assign(set, {
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
      failingSince: null,
      nextPollAt: now,
    });
  } else if (patch.enabled === false) {
    Object.assign(set, { enabled: false, disabledReason: `disabled by ${actor.name}` });
  }
  let updated: CloudDoc | null;
  try {
    updated = await collections(deps.db).clouds.findOneAndUpdate(
      { _id: cloud._id, orgId: actor.orgId },
      { $set: set },
      { returnDocument: 'after' },
    );
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) throw duplicateName(patch.name ?? '', err);
    throw err;
  }
  if (!updated) throw new NotFoundError(`Cloud ${cloudId} not found`);
  await recordAudit(deps, {
    actor,
    action: 'cloud.update',
    resource: { type: 'cloud', id: cloudId, name: updated.name },
    requestId,
    details: { changes: patch },
  });
  if (patch.enabled === false && cloud.enabled) {
    const data = { ...cloudEventRef(updated), reason: updated.disabledReason ?? 'disabled' };
    await recordEvents(deps, [{ orgId: actor.orgId, type: 'cloud.disabled', data }]);
  }
  return toCloudView(updated);
}

/** The cloud goes; its machines stay, marked missing, so their history and audit trail remain. */
export async function deleteCloud(deps: ServiceDeps, actor: Actor, cloudId: string, requestId: string) {
  const cloud = await findCloud(deps, actor.orgId, cloudId);
  const now = deps.now();
  const { clouds, machines } = collections(deps.db);
  const marked = await machines.updateMany(
    { orgId: actor.orgId, cloudId, missingSince: null },
    { $set: { missingSince: now, updatedAt: now } },
  );
  await markCloudResourcesMissing(deps, actor.orgId, cloudId);
  await clouds.deleteOne({ _id: cloudId, orgId: actor.orgId });
  await recordAudit(deps, {
    actor,
    action: 'cloud.delete',
    resource: { type: 'cloud', id: cloudId, name: cloud.name },
    requestId,
    details: { machinesMarkedMissing: marked.modifiedCount },
  });
}

export async function requestPoll(deps: JobDeps, actor: Actor, cloudId: string, requestId: string) {
  const cloud = await findCloud(deps, actor.orgId, cloudId);
  if (!cloud.enabled) throw new UnprocessableError(`Cloud ${cloudId} is disabled: enable it first`);
  const [job] = await enqueueJobs(deps, actor, [pollJob(cloudId)], requestId);
  return job!;
}

/** A deleted cloud's zones, records, networks and subnets stay, marked missing, as its machines do. */
async function markCloudResourcesMissing(deps: ServiceDeps, orgId: string, cloudId: string): Promise<void> {
  const now = deps.now();
  const c = collections(deps.db);
  const filter = { orgId, cloudId, missingSince: null };
  const update = { $set: { missingSince: now, updatedAt: now } };
  await Promise.all([
    c.zones.updateMany(filter, update),
    c.records.updateMany(filter, update),
    c.networks.updateMany(filter, update),
    c.subnets.updateMany(filter, update),
  ]);
}
