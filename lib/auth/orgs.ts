/**
 * Orgs are the tenants. Creating one also creates its first owner token: without it nobody could call
 * the API for that org.
 */

import { MongoServerError } from 'mongodb';
import { DEFAULT_AUDIT_RETENTION_DAYS } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { OrgDoc } from '../db/documents.js';
import type { SystemActor } from '../model/actor.js';
import { newId } from '../model/common.js';
import type { TokenView } from '../model/token.js';
import { createToken } from './tokens.js';

export async function createOrg(
  deps: ServiceDeps,
  input: { name: string; creator?: string },
): Promise<{ org: OrgDoc; token: string; tokenView: TokenView }> {
  const org: OrgDoc = {
    _id: newId('org'),
    name: input.name,
    createdAt: deps.now(),
    auditRetentionDays: DEFAULT_AUDIT_RETENTION_DAYS,
  };
  try {
    await collections(deps.db).orgs.insertOne(org);
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) {
      throw new ConflictError(`An org named "${input.name}" already exists`, { cause: err });
    }
    throw err;
  }
  const actor: SystemActor = { type: 'system', orgId: org._id, name: input.creator ?? 'bootstrap' };
  const { view, token } = await createToken(deps, actor, { name: 'owner (bootstrap)', role: 'owner' });
  return { org, token, tokenView: view };
}

export async function countOrgs(deps: ServiceDeps): Promise<number> {
  return collections(deps.db).orgs.countDocuments({}, { limit: 1 });
}
