/** Bearer-token authentication and role checks for API routes. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { authorize, tokenFromAuthorization } from '../auth/authorize.js';
import type { ServiceDeps } from '../core/deps.js';
import type { TokenActor } from '../model/actor.js';
import type { Role } from '../model/role.js';

export function bearerToken(event: APIGatewayProxyEventV2): string {
  return tokenFromAuthorization(event.headers?.authorization ?? event.headers?.Authorization, 'header');
}

export async function authenticateRequest(
  event: APIGatewayProxyEventV2,
  deps: ServiceDeps,
  required: Role,
): Promise<TokenActor> {
  return authorize(deps, bearerToken(event), required);
}
