/**
 * The fake's Microsoft identity platform (arm-fake.ts): MSAL reads the tenant's OpenID configuration,
 * then asks for a token with the client_credentials grant; a wrong secret is answered like Entra ID
 * does, with an AADSTS code. Tokens handed out are what the ARM routes accept.
 */
import { randomUUID } from 'node:crypto';
import type { Route } from './arm-disk-routes.js';
import type { ArmFake } from './arm-fake.js';

export const TENANT = '11111111-1111-4111-8111-111111111111';
export const CLIENT = '22222222-2222-4222-8222-222222222222';
export const SECRET = 'fake-client-secret-Zq8~w0rd';

export function identityRoute(fake: ArmFake, method: string, path: string, raw: string): Route | undefined {
  if (path === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
    const t = `${fake.url}/${TENANT}`;
    return (req, res) =>
      fake.send(res, req, 200, {
        issuer: `${t}/v2.0`,
        token_endpoint: `${t}/oauth2/v2.0/token`,
        authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${t}/oauth2/v2.0/logout`,
        jwks_uri: `${t}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
      });
  }
  if (method !== 'POST' || path !== `/${TENANT}/oauth2/v2.0/token`) return undefined;
  return (req, res) => {
    const form = new URLSearchParams(raw);
    if (form.get('client_id') !== CLIENT || form.get('client_secret') !== SECRET) {
      return fake.send(res, req, 401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${CLIENT}'.`,
        error_codes: [7000215],
      });
    }
    const token = `fake-token-${randomUUID()}`;
    fake.tokens.add(token);
    fake.send(res, req, 200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: token,
    });
  };
}
