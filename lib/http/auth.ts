/** Bearer-token authentication and role checks for API routes. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TokenActor } from '../auth/actor.js';
import { looksLikeTokenSecret } from '../auth/token-secret.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { type Role, roleAtLeast } from '../model/role.js';
import type { ServiceDeps } from '../services/deps.js';
import { authenticateToken } from '../services/tokens.js';

export function bearerToken(event: APIGatewayProxyEventV2): string {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  if (!header)
    throw new UnauthorizedError('Missing Authorization header: send "Authorization: Bearer <token>"');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
  const token = match[1]!;
  // Malformed values never cost a database round trip.
  if (!looksLikeTokenSecret(token)) throw new UnauthorizedError('The token is invalid, expired or revoked');
  return token;
}

export async function authenticateRequest(
  event: APIGatewayProxyEventV2,
  deps: ServiceDeps,
  required: Role,
): Promise<TokenActor> {
  const actor = await authenticateToken(deps, bearerToken(event));
  if (!roleAtLeast(actor.role, required)) {
    throw new ForbiddenError(`This action needs the ${required} role; the token has ${actor.role}`);
  }
  return actor;
}
