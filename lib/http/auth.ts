/** Bearer-token authentication and role checks for API routes. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TokenActor } from '../auth/actor.js';
import type { Role } from '../model/role.js';
import { authorize, tokenFromAuthorization } from '../services/authorize.js';
import type { ServiceDeps } from '../services/deps.js';

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
