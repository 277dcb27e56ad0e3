/** SSH keys: generated or imported, shown by public key and fingerprint only; associations with machines. */
import { z } from 'zod';
import { idSchema, Name, Timestamp } from './common.js';
import { listQuery, pageOf } from './list.js';

export const KeyId = idSchema('key');
export const KeyAssociationId = idSchema('keyAssociation');

const PEM = z.string().min(32).max(16_384);

export const CreateKeyBody = z
  .strictObject({
    name: Name,
    type: z.enum(['ed25519', 'rsa']).optional().describe('Generate a key of this type (default ed25519)'),
    bits: z
      .union([z.literal(3072), z.literal(4096)])
      .optional()
      .describe('RSA only: 3072 (default) or 4096'),
    comment: z
      .string()
      .max(256)
      .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
      .optional(),
    privateKey: PEM.optional().describe(
      'Import this private key instead of generating one: OpenSSH ("BEGIN OPENSSH PRIVATE KEY"), PEM ' +
        '("BEGIN RSA|EC|DSA PRIVATE KEY"), PKCS#8 ("BEGIN PRIVATE KEY" or "BEGIN ENCRYPTED PRIVATE KEY": ' +
        'ed25519, RSA, ECDSA P-256/P-384/P-521) or PuTTY .ppk v2 (RSA, DSA); encrypted ones with passphrase',
    ),
    publicKey: z.string().max(16_384).optional().describe('Import: checked to match the private key'),
    passphrase: z.string().min(1).max(1024).optional().describe('Import: opens an encrypted private key'),
    default: z.boolean().optional().describe("Make it the org's default key (the first key always is)"),
  })
  .superRefine((b, ctx) => {
    if (b.privateKey !== undefined && (b.type !== undefined || b.bits !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'type and bits apply to generated keys only' });
    }
    if (b.privateKey === undefined && (b.publicKey !== undefined || b.passphrase !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateKey'],
        message: 'publicKey and passphrase apply to an imported privateKey',
      });
    }
    if (b.bits !== undefined && b.type !== 'rsa') {
      ctx.addIssue({ code: 'custom', path: ['bits'], message: 'bits applies to type "rsa" only' });
    }
  })
  .meta({ id: 'CreateKeyRequest' });
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

export const UpdateKeyBody = z
  .strictObject({
    name: Name.optional(),
    default: z.literal(true).optional().describe("Make it the org's default key"),
  })
  .refine((b) => Object.keys(b).length > 0, 'give name or default')
  .meta({ id: 'UpdateKeyRequest' });

export const KeyView = z
  .object({
    id: KeyId,
    name: z.string(),
    algorithm: z.string().describe('ssh-ed25519, ssh-rsa, ...'),
    publicKey: z.string().describe('One authorized_keys line'),
    fingerprint: z.string().describe('SHA256:..., as ssh-keygen -l shows it'),
    encrypted: z
      .boolean()
      .describe('The private key is passphrase-protected (the passphrase is stored sealed)'),
    isDefault: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Key' });
export type KeyView = z.infer<typeof KeyView>;

export const PrivateKeyView = z
  .object({
    id: KeyId,
    privateKey: z.string().describe('The private key: OpenSSH when generated, as given when imported'),
  })
  .meta({ id: 'PrivateKey' });

export const KeyListQuery = listQuery(['name', 'createdAt'], 'name');
export const KeyPage = pageOf(KeyView, 'KeyPage');

export const SshUser = z
  .string()
  .regex(/^[a-z_][a-z0-9_.-]{0,31}\$?$/i, 'must be a POSIX user name')
  .describe('The login user');
export const SshPort = z.number().int().min(1).max(65_535);

export const AssociateKeyBody = z
  .strictObject({
    keyId: KeyId,
    user: SshUser.default('root'),
    port: SshPort.default(22),
  })
  .meta({ id: 'AssociateKeyRequest' });

export const KeyAssociationView = z
  .object({
    id: KeyAssociationId,
    keyId: KeyId,
    machineId: z.string(),
    user: z.string(),
    port: z.number().int(),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
  })
  .meta({ id: 'KeyAssociation' });
