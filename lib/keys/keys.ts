/**
 * SSH keys of an org: generated or imported (validated), the private key sealed at rest and opened only to
 * connect or for an audited read by an admin. One default key per org: the first key, or the one named.
 */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError, UnprocessableError } from '../core/errors.js';
import { getDataKey } from '../crypto/data-key.js';
import { seal, unseal } from '../crypto/sealed.js';
import { collections } from '../db/collections.js';
import type { KeyAssociationDoc, KeyDoc } from '../db/documents.js';
import { isDuplicateKeyError } from '../db/errors.js';
import { findKey, findMachine } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import type { Actor } from '../model/actor.js';
import { isoOrNull, newId } from '../model/common.js';
import type { CreateKeyBody, KeyView } from '../model/key.js';
import { searchRegex } from '../model/list.js';
import { SshKeyError } from '../ssh/errors.js';
import { generateSshKeyPair, importSshKeyPair, type SshKeyPair } from '../ssh/keypair.js';

/** Sealed values are bound to their key document and org: copied elsewhere, they do not open. */
function keyContext(orgId: string, keyId: string, part: 'private' | 'passphrase'): string {
  return `nimbo:key:${orgId}:${keyId}:${part}`;
}

export function toKeyView(doc: KeyDoc): KeyView {
  return {
    id: doc._id,
    name: doc.name,
    algorithm: doc.algorithm,
    publicKey: doc.publicKey,
    fingerprint: doc.fingerprint,
    encrypted: doc.passphrase !== null,
    isDefault: doc.isDefault,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function toKeyAssociationView(doc: KeyAssociationDoc) {
  return {
    id: doc._id,
    keyId: doc.keyId,
    machineId: doc.machineId,
    user: doc.user,
    port: doc.port,
    createdAt: doc.createdAt.toISOString(),
    lastUsedAt: isoOrNull(doc.lastUsedAt),
  };
}

function duplicateName(name: string, cause?: unknown): ConflictError {
  return new ConflictError(`A key named "${name}" already exists in this org`, { cause });
}

export async function findDefaultKey(deps: ServiceDeps, orgId: string): Promise<KeyDoc | null> {
  return collections(deps.db).keys.findOne({ orgId, isDefault: true });
}

function keyPairOf(body: CreateKeyBody): SshKeyPair {
  try {
    if (body.privateKey !== undefined) {
      return importSshKeyPair({
        privateKey: body.privateKey,
        ...(body.publicKey !== undefined ? { publicKey: body.publicKey } : {}),
        ...(body.passphrase !== undefined ? { passphrase: body.passphrase } : {}),
      });
    }
    return generateSshKeyPair(body.type ?? 'ed25519', {
      ...(body.bits ? { bits: body.bits } : {}),
      comment: body.comment ?? body.name,
    });
  } catch (err) {
    // A key that does not parse is the caller's input, not a provider failure: 422.
    if (err instanceof SshKeyError) throw new UnprocessableError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Makes `keyId` the only default key of the org. A unique partial index holds one default per org, so
 * the old default is unset before the new one is set; a concurrent switch that set another default in
 * between makes ours collide, and ours is tried once more.
 */
async function makeDefault(deps: ServiceDeps, orgId: string, keyId: string): Promise<void> {
  const { keys } = collections(deps.db);
  for (let attempt = 1; ; attempt++) {
    await keys.updateMany({ orgId, isDefault: true, _id: { $ne: keyId } }, { $set: { isDefault: false } });
    try {
      await keys.updateOne({ _id: keyId, orgId }, { $set: { isDefault: true } });
      return;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      if (attempt === 2) {
        throw new ConflictError('Another request changed the default key at the same time: try again', {
          cause: err,
        });
      }
    }
  }
}

/** Makes `keyId` the default unless the org has one already (the first key; a concurrent first key wins). */
async function makeDefaultIfNone(deps: ServiceDeps, orgId: string, keyId: string): Promise<boolean> {
  const { keys } = collections(deps.db);
  if (await keys.findOne({ orgId, isDefault: true }, { projection: { _id: 1 } })) return false;
  try {
    const res = await keys.updateOne({ _id: keyId, orgId }, { $set: { isDefault: true } });
    return res.modifiedCount === 1;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

/** The keys associated with (deployed to) one of the org's machines, oldest first; 404 for another org's. */
export async function listMachineKeys(
  deps: ServiceDeps,
  orgId: string,
  machineId: string,
): Promise<KeyAssociationDoc[]> {
  await findMachine(deps, orgId, machineId);
  return collections(deps.db).keyAssociations.find({ orgId, machineId }).sort({ createdAt: 1 }).toArray();
}

export async function createKey(
  deps: ServiceDeps,
  actor: Actor,
  body: CreateKeyBody,
  requestId: string,
): Promise<KeyView> {
  const { keys } = collections(deps.db);
  if (await keys.findOne({ orgId: actor.orgId, name: body.name }, { projection: { _id: 1 } })) {
    throw duplicateName(body.name);
  }
  const pair = keyPairOf(body);
  const id = newId('key');
  const dataKey = await getDataKey();
  const now = deps.now();
  const doc: KeyDoc = {
    _id: id,
    orgId: actor.orgId,
    name: body.name,
    algorithm: pair.algorithm,
    publicKey: pair.publicKey,
    fingerprint: pair.fingerprint,
    privateKey: seal(dataKey, pair.privateKey, keyContext(actor.orgId, id, 'private')),
    // Kept only for a key that needs it: a passphrase given with a plain key would show it as encrypted.
    passphrase:
      pair.encrypted && body.passphrase
        ? seal(dataKey, body.passphrase, keyContext(actor.orgId, id, 'passphrase'))
        : null,
    isDefault: false,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await keys.insertOne(doc);
  } catch (err) {
    if (isDuplicateKeyError(err)) throw duplicateName(body.name, err);
    throw err;
  }
  // An org with keys always has a default: the first key becomes it, unless another is named.
  if (body.default) {
    await makeDefault(deps, actor.orgId, id);
    doc.isDefault = true;
  } else {
    doc.isDefault = await makeDefaultIfNone(deps, actor.orgId, id);
  }
  await recordAudit(deps, {
    actor,
    action: body.privateKey !== undefined ? 'key.import' : 'key.generate',
    resource: { type: 'key', id, name: body.name },
    requestId,
    details: { algorithm: pair.algorithm, fingerprint: pair.fingerprint, isDefault: doc.isDefault },
  });
  return toKeyView(doc);
}

export async function listKeys(
  deps: ServiceDeps,
  orgId: string,
  query: PageRequest & { q?: string },
): Promise<Page<KeyView>> {
  const filter = { orgId, ...(query.q ? { name: searchRegex(query.q) } : {}) };
  const page = await findPage(collections(deps.db).keys, filter, query);
  return { items: page.items.map(toKeyView), nextCursor: page.nextCursor };
}

export async function updateKey(
  deps: ServiceDeps,
  actor: Actor,
  keyId: string,
  patch: { name?: string; default?: true },
  requestId: string,
): Promise<KeyView> {
  const key = await findKey(deps, actor.orgId, keyId);
  const { keys } = collections(deps.db);
  if (patch.name !== undefined && patch.name !== key.name) {
    try {
      await keys.updateOne(
        { _id: keyId, orgId: actor.orgId },
        { $set: { name: patch.name, updatedAt: deps.now() } },
      );
    } catch (err) {
      if (isDuplicateKeyError(err)) throw duplicateName(patch.name, err);
      throw err;
    }
  }
  if (patch.default) await makeDefault(deps, actor.orgId, keyId);
  await recordAudit(deps, {
    actor,
    action: 'key.update',
    resource: { type: 'key', id: keyId, name: patch.name ?? key.name },
    requestId,
    details: { changes: patch },
  });
  return toKeyView(await findKey(deps, actor.orgId, keyId));
}

/** A key still deployed somewhere is not deleted: disassociate it first, so its lines leave the hosts. */
export async function deleteKey(deps: ServiceDeps, actor: Actor, keyId: string, requestId: string) {
  const key = await findKey(deps, actor.orgId, keyId);
  const { keys, keyAssociations } = collections(deps.db);
  const deployed = await keyAssociations.countDocuments({ orgId: actor.orgId, keyId });
  if (deployed > 0) {
    throw new ConflictError(
      `Key ${key.name} is associated with ${deployed} machine(s): disassociate it first (that removes it from the hosts)`,
    );
  }
  const hosts = await collections(deps.db).clouds.countDocuments({
    orgId: actor.orgId,
    'settings.hosts.keyId': keyId,
  });
  if (hosts > 0) {
    throw new ConflictError(
      `Key ${key.name} is the login key of registered hosts: remove them or change their key first`,
    );
  }
  await keys.deleteOne({ _id: keyId, orgId: actor.orgId });
  if (key.isDefault) {
    // The org keeps a default key as long as it has keys: the oldest one left.
    const next = await keys.find({ orgId: actor.orgId }).sort({ createdAt: 1, _id: 1 }).limit(1).next();
    if (next) await makeDefaultIfNone(deps, actor.orgId, next._id);
  }
  await recordAudit(deps, {
    actor,
    action: 'key.delete',
    resource: { type: 'key', id: keyId, name: key.name },
    requestId,
  });
}

export interface OpenedKey {
  privateKey: string;
  passphrase?: string;
}

/** The private key in memory, to connect with. Never logged, never returned except by readPrivateKey. */
export async function openKey(doc: KeyDoc): Promise<OpenedKey> {
  const dataKey = await getDataKey();
  const privateKey = unseal(dataKey, doc.privateKey, keyContext(doc.orgId, doc._id, 'private'));
  if (!doc.passphrase) return { privateKey };
  return {
    privateKey,
    passphrase: unseal(dataKey, doc.passphrase, keyContext(doc.orgId, doc._id, 'passphrase')),
  };
}

/** GET /v1/keys/{id}/private: admins and owners only (the route says so), and always audited. */
export async function readPrivateKey(deps: ServiceDeps, actor: Actor, keyId: string, requestId: string) {
  const key = await findKey(deps, actor.orgId, keyId);
  const { privateKey } = await openKey(key);
  await recordAudit(deps, {
    actor,
    action: 'key.read_private',
    resource: { type: 'key', id: keyId, name: key.name },
    requestId,
  });
  return { id: keyId, privateKey };
}
