import { z } from 'zod';
import { findKey } from '../../db/lookups.js';
import { requestKeyAssociation, requestKeyDisassociation } from '../../keys/deploy.js';
import {
  createKey,
  deleteKey,
  listKeys,
  listMachineKeys,
  readPrivateKey,
  toKeyAssociationView,
  toKeyView,
  updateKey,
} from '../../keys/keys.js';
import { resetHostKey } from '../../keys/ssh-access.js';
import { JobAccepted } from '../../model/job.js';
import {
  AssociateKeyBody,
  CreateKeyBody,
  KeyAssociationView,
  KeyId,
  KeyListQuery,
  KeyPage,
  KeyView,
  PrivateKeyView,
  UpdateKeyBody,
} from '../../model/key.js';
import { MachineId } from '../../model/machine.js';
import { type AnyRoute, defineRoute } from '../route.js';
import { accepted } from './accepted.js';

const KeyParams = z.strictObject({ id: KeyId });
const MachineParams = z.strictObject({ id: MachineId });

export const postKey = defineRoute({
  method: 'POST',
  path: '/v1/keys',
  operationId: 'createKey',
  summary: 'Generate an SSH key pair (ed25519 by default, RSA 3072/4096) or import one',
  description:
    'Without privateKey a key is generated. With privateKey it is imported: it must parse, open with ' +
    'passphrase when encrypted, and match publicKey when given (422 otherwise). The private key is stored ' +
    'sealed and never shown by list or get; see GET /v1/keys/{id}/private.',
  tag: 'keys',
  auth: 'admin',
  body: CreateKeyBody,
  responses: { 201: { description: 'The key (public part only)', schema: KeyView } },
  handler: async ({ body, actor, deps, requestId }) => {
    const key = await createKey(await deps(), actor, body, requestId);
    return { status: 201, body: key, headers: { location: `/v1/keys/${key.id}` } };
  },
});

export const getKeys = defineRoute({
  method: 'GET',
  path: '/v1/keys',
  operationId: 'listKeys',
  summary: "The org's SSH keys (public keys and fingerprints only)",
  tag: 'keys',
  auth: 'viewer',
  query: KeyListQuery,
  responses: { 200: { description: 'A page of keys', schema: KeyPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listKeys(await deps(), actor.orgId, query),
  }),
});

export const getKey = defineRoute({
  method: 'GET',
  path: '/v1/keys/{id}',
  operationId: 'getKey',
  summary: 'An SSH key (public part only)',
  tag: 'keys',
  auth: 'viewer',
  params: KeyParams,
  responses: { 200: { description: 'The key', schema: KeyView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: toKeyView(await findKey(await deps(), actor.orgId, params.id)),
  }),
});

export const patchKey = defineRoute({
  method: 'PATCH',
  path: '/v1/keys/{id}',
  operationId: 'updateKey',
  summary: "Rename a key, or make it the org's default",
  tag: 'keys',
  auth: 'admin',
  params: KeyParams,
  body: UpdateKeyBody,
  responses: { 200: { description: 'The key', schema: KeyView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await updateKey(await deps(), actor, params.id, body, requestId),
  }),
});

export const deleteKeyRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/keys/{id}',
  operationId: 'deleteKey',
  summary: 'Delete a key (409 while it is associated with machines: disassociate first)',
  tag: 'keys',
  auth: 'admin',
  params: KeyParams,
  responses: { 204: { description: 'Deleted' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await deleteKey(await deps(), actor, params.id, requestId);
    return { status: 204 };
  },
});

export const getPrivateKey = defineRoute({
  method: 'GET',
  path: '/v1/keys/{id}/private',
  operationId: 'getPrivateKey',
  summary: 'The private key (admins and owners only; every read is audited)',
  tag: 'keys',
  auth: 'admin',
  params: KeyParams,
  responses: { 200: { description: 'The private key, OpenSSH format', schema: PrivateKeyView } },
  handler: async ({ params, actor, deps, requestId }) => ({
    status: 200,
    body: await readPrivateKey(await deps(), actor, params.id, requestId),
    headers: { 'cache-control': 'no-store' },
  }),
});

export const getMachineKeys = defineRoute({
  method: 'GET',
  path: '/v1/machines/{id}/keys',
  operationId: 'listMachineKeys',
  summary: 'The keys associated with (deployed to) a machine',
  tag: 'keys',
  auth: 'viewer',
  params: MachineParams,
  responses: {
    200: { description: 'The associations', schema: z.object({ items: z.array(KeyAssociationView) }) },
  },
  handler: async ({ params, actor, deps }) => {
    const items = await listMachineKeys(await deps(), actor.orgId, params.id);
    return { status: 200, body: { items: items.map(toKeyAssociationView) } };
  },
});

export const postMachineKey = defineRoute({
  method: 'POST',
  path: '/v1/machines/{id}/keys',
  operationId: 'associateKey',
  summary: 'Deploy a key to a machine and associate it',
  description:
    'A job logs in with a key that already works for that user and port, appends the public key to ' +
    '~/.ssh/authorized_keys unless present, then logs in with the new key. If that login fails the line it ' +
    'added is removed, no association is kept, and the job error says why. The host key is pinned on first ' +
    'contact; a changed host key refuses.',
  tag: 'keys',
  auth: 'operator',
  params: MachineParams,
  body: AssociateKeyBody,
  responses: { 202: { description: 'The deployment job', schema: JobAccepted } },
  handler: async ({ params, body, actor, deps, requestId }) =>
    accepted(await requestKeyAssociation(await deps(), actor, params.id, body, requestId)),
});

export const deleteMachineKey = defineRoute({
  method: 'DELETE',
  path: '/v1/machines/{id}/keys/{keyId}',
  operationId: 'disassociateKey',
  summary: "Remove a key's line from the machine's authorized_keys and drop the association",
  tag: 'keys',
  auth: 'operator',
  params: z.strictObject({ id: MachineId, keyId: KeyId }),
  responses: { 202: { description: 'The removal job', schema: JobAccepted } },
  handler: async ({ params, actor, deps, requestId }) =>
    accepted(await requestKeyDisassociation(await deps(), actor, params.id, params.keyId, requestId)),
});

export const deleteMachineHostKey = defineRoute({
  method: 'DELETE',
  path: '/v1/machines/{id}/host-key',
  operationId: 'resetMachineHostKey',
  summary: "Forget a machine's pinned SSH host key (after a reinstall): the next connection pins anew",
  tag: 'keys',
  auth: 'admin',
  params: MachineParams,
  responses: { 204: { description: 'Reset' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await resetHostKey(await deps(), actor, params.id, requestId);
    return { status: 204 };
  },
});

export const keyRoutes: AnyRoute[] = [
  postKey,
  getKeys,
  getKey,
  patchKey,
  deleteKeyRoute,
  getPrivateKey,
  getMachineKeys,
  postMachineKey,
  deleteMachineKey,
  deleteMachineHostKey,
];
