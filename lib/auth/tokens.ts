/**
 * API tokens: create (secret shown once), list, revoke, and authenticate a presented secret.
 * A token can only create tokens of its own role or below, so an admin cannot mint an owner.
 */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { TokenDoc } from '../db/documents.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import type { Actor, TokenActor } from '../model/actor.js';
import { actorId } from '../model/actor.js';
import { isoOrNull, newId } from '../model/common.js';
import { searchRegex } from '../model/list.js';
import { type Role, roleAtLeast } from '../model/role.js';
import type { TokenView } from '../model/token.js';
import { displayPrefix, generateTokenSecret, hashTokenSecret } from './token-secret.js';

/** lastUsedAt is refreshed at most this often, so authentication is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function toTokenView(doc: TokenDoc): TokenView {
  return {
    id: doc._id,
    name: doc.name,
    role: doc.role,
    createdAt: doc.createdAt.toISOString(),
    createdBy: doc.createdBy,
    expiresAt: isoOrNull(doc.expiresAt),
    lastUsedAt: isoOrNull(doc.lastUsedAt),
    revokedAt: isoOrNull(doc.revokedAt),
    prefix: doc.prefix,
  };
}

export async function createToken(
  deps: ServiceDeps,
  actor: Actor,
  input: { name: string; role: Role; expiresAt?: string },
): Promise<{ view: TokenView; token: string }> {
  if (actor.type === 'token' && !roleAtLeast(actor.role, input.role)) {
    throw new ForbiddenError(`A ${actor.role} token cannot create a ${input.role} token`);
  }
  const now = deps.now();
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt <= now) {
    throw new UnprocessableError('expiresAt must be in the future');
  }
  const token = generateTokenSecret();
  const doc: TokenDoc = {
    _id: newId('token'),
    orgId: actor.orgId,
    name: input.name,
    role: input.role,
    hash: hashTokenSecret(token),
    prefix: displayPrefix(token),
    createdAt: now,
    createdBy: actorId(actor),
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  await collections(deps.db).tokens.insertOne(doc);
  await recordAudit(deps, {
    actor,
    action: 'token.create',
    resource: { type: 'token', id: doc._id, name: doc.name },
    details: { role: doc.role },
  });
  return { view: toTokenView(doc), token };
}

export async function listTokens(
  deps: ServiceDeps,
  orgId: string,
  page: PageRequest & { q?: string },
): Promise<Page<TokenView>> {
  const filter = { orgId, ...(page.q ? { name: searchRegex(page.q) } : {}) };
  const result = await findPage(collections(deps.db).tokens, filter, page);
  return { items: result.items.map(toTokenView), nextCursor: result.nextCursor };
}

/** Revoking twice is fine and keeps the first revocation time. */
export async function revokeToken(deps: ServiceDeps, actor: Actor, tokenId: string): Promise<TokenView> {
  const { tokens } = collections(deps.db);
  const orgId = actor.orgId;
  const revoked = await tokens.updateOne(
    { _id: tokenId, orgId, revokedAt: null },
    { $set: { revokedAt: deps.now() } },
  );
  const doc = await tokens.findOne({ _id: tokenId, orgId });
  if (!doc) throw new NotFoundError(`Token ${tokenId} not found`);
  if (revoked.modifiedCount === 1) {
    await recordAudit(deps, {
      actor,
      action: 'token.revoke',
      resource: { type: 'token', id: doc._id, name: doc.name },
    });
  }
  return toTokenView(doc);
}

/** The one lookup that is not scoped by org: it is how the org is found. */
export async function authenticateToken(deps: ServiceDeps, secret: string): Promise<TokenActor> {
  const { tokens } = collections(deps.db);
  const doc = await tokens.findOne({ hash: hashTokenSecret(secret) });
  const now = deps.now();
  if (!doc || doc.revokedAt || (doc.expiresAt && doc.expiresAt <= now)) {
    throw new UnauthorizedError('The token is invalid, expired or revoked');
  }
  if (!doc.lastUsedAt || now.getTime() - doc.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await tokens.updateOne({ _id: doc._id }, { $set: { lastUsedAt: now } });
  }
  return { type: 'token', orgId: doc.orgId, tokenId: doc._id, name: doc.name, role: doc.role };
}
