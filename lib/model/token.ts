import { z } from 'zod';
import { idSchema, Name, Timestamp } from './common.js';
import { Role } from './role.js';

export const TokenId = idSchema('token');

export const CreateTokenBody = z
  .strictObject({
    name: Name,
    role: Role,
    expiresAt: Timestamp.optional().describe('When the token stops working; absent means never'),
  })
  .meta({ id: 'CreateTokenRequest' });
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const TokenView = z
  .object({
    id: TokenId,
    name: z.string(),
    role: Role,
    createdAt: Timestamp,
    createdBy: z.string().describe('Id of the token (or "system") that created it'),
    expiresAt: Timestamp.nullable(),
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
    /** The first characters of the secret, so an operator can tell tokens apart. */
    prefix: z.string(),
  })
  .meta({ id: 'Token' });
export type TokenView = z.infer<typeof TokenView>;

export const CreatedToken = TokenView.extend({
  token: z
    .string()
    .describe('The secret: shown once, never again. Send it as "Authorization: Bearer <token>".'),
}).meta({ id: 'CreatedToken' });
