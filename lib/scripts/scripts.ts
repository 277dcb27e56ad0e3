/** Scripts of an org: create, list, get, update, delete. Running them is scripts/runs.ts. */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors.js';
import { isDuplicateKeyError } from '../db/errors.js';
import { findInOrg } from '../db/lookups.js';
import type { PageRequest } from '../db/pagination.js';
import { findPage, type Page } from '../db/pagination.js';
import type { Actor } from '../model/actor.js';
import { newId } from '../model/common.js';
import { searchRegex } from '../model/list.js';
import {
  type CreateScriptBody,
  type ScriptView,
  scriptContentProblem,
  type UpdateScriptBody,
} from '../model/script.js';
import { type ScriptDoc, scriptCollections, toScriptView } from './store.js';

function duplicateName(name: string, cause?: unknown): ConflictError {
  return new ConflictError(`A script named "${name}" already exists in this org`, { cause });
}

export function findScript(deps: ServiceDeps, orgId: string, scriptId: string): Promise<ScriptDoc> {
  return findInOrg(scriptCollections(deps.db).scripts, 'Script', orgId, scriptId);
}

export async function createScript(
  deps: ServiceDeps,
  actor: Actor,
  body: CreateScriptBody,
  requestId: string,
): Promise<ScriptView> {
  const { scripts } = scriptCollections(deps.db);
  const now = deps.now();
  const doc: ScriptDoc = {
    _id: newId('script'),
    orgId: actor.orgId,
    name: body.name,
    description: body.description ?? null,
    kind: body.kind,
    source: body.source,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await scripts.insertOne(doc);
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(body.name, err);
    throw err;
  }
  await recordAudit(deps, {
    actor,
    action: 'script.create',
    resource: { type: 'script', id: doc._id, name: doc.name },
    requestId,
    details: { kind: doc.kind, source: doc.source.type },
  });
  return toScriptView(doc);
}

export async function listScripts(
  deps: ServiceDeps,
  orgId: string,
  query: PageRequest & { q?: string },
): Promise<Page<ScriptView>> {
  const filter = { orgId, ...(query.q ? { name: searchRegex(query.q) } : {}) };
  const page = await findPage(scriptCollections(deps.db).scripts, filter, query);
  return { items: page.items.map(toScriptView), nextCursor: page.nextCursor };
}

export async function updateScript(
  deps: ServiceDeps,
  actor: Actor,
  scriptId: string,
  patch: UpdateScriptBody,
  requestId: string,
): Promise<ScriptView> {
  const current = await findScript(deps, actor.orgId, scriptId);
  if (patch.source?.type === 'inline') {
    const problem = scriptContentProblem(current.kind, patch.source.content);
    if (problem) throw new UnprocessableError(`source.content: ${problem}`);
  }
  const set: Partial<ScriptDoc> = { updatedAt: deps.now() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.source !== undefined) set.source = patch.source;
  let updated: ScriptDoc | null;
  try {
    updated = await scriptCollections(deps.db).scripts.findOneAndUpdate(
      { _id: scriptId, orgId: actor.orgId },
      { $set: set },
      { returnDocument: 'after' },
    );
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(patch.name ?? '', err);
    throw err;
  }
  if (!updated) throw new NotFoundError(`Script ${scriptId} not found`);
  await recordAudit(deps, {
    actor,
    action: 'script.update',
    resource: { type: 'script', id: scriptId, name: updated.name },
    requestId,
    details: { changed: Object.keys(patch) },
  });
  return toScriptView(updated);
}

/** Its runs stay (history); schedules that name it fail their runs with "script not found". */
export async function deleteScript(deps: ServiceDeps, actor: Actor, scriptId: string, requestId: string) {
  const script = await findScript(deps, actor.orgId, scriptId);
  await scriptCollections(deps.db).scripts.deleteOne({ _id: scriptId, orgId: actor.orgId });
  await recordAudit(deps, {
    actor,
    action: 'script.delete',
    resource: { type: 'script', id: scriptId, name: script.name },
    requestId,
  });
}
