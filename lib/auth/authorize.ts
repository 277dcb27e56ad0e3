/**
 * "Authorization: Bearer <token>" as the HTTP API and the commands queue both receive it: the token
 * authenticated, then its role checked against what the operation needs.
 */

import type { ServiceDeps } from '../core/deps.js';
import { ForbiddenError, UnauthorizedError } from '../core/errors.js';
import type { TokenActor } from '../model/actor.js';
import { type Role, roleAtLeast } from '../model/role.js';
import { looksLikeTokenSecret } from './token-secret.js';
import { authenticateToken } from './tokens.js';

/**
 * The token of an Authorization value. `where` names the carrier in messages ("header", "message
 * attribute"); `bareAllowed` accepts a token without the "Bearer " scheme (queue senders).
 */
export function tokenFromAuthorization(
  value: string | undefined,
  where: string,
  bareAllowed = false,
): string {
  if (!value)
    throw new UnauthorizedError(`Missing Authorization ${where}: send "Authorization: Bearer <token>"`);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value) ?? (bareAllowed ? /^\s*(\S+)\s*$/.exec(value) : null);
  if (!match) throw new UnauthorizedError(`The Authorization ${where} must be "Bearer <token>"`);
  const token = match[1]!;
  // Malformed values never cost a database round trip.
  if (!looksLikeTokenSecret(token)) throw new UnauthorizedError('The token is invalid, expired or revoked');
  return token;
}

export async function authorize(deps: ServiceDeps, token: string, required: Role): Promise<TokenActor> {
  const actor = await authenticateToken(deps, token);
  if (!roleAtLeast(actor.role, required)) {
    throw new ForbiddenError(`This action needs the ${required} role; the token has ${actor.role}`);
  }
  return actor;
}
