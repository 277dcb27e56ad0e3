/**
 * A DigitalOcean cloud is signed with an API token: a personal access token (dop_v1_…), an OAuth token
 * (doo_v1_…) or a refresh-free token of the older unprefixed form. Nothing but the token is stored.
 */
import { z } from 'zod';

export const DigitalOceanCredentialsSchema = z.strictObject({
  token: z
    .string()
    .regex(
      /^(?:do[opr]_v1_)?[0-9a-f]{64}$/,
      'a DigitalOcean API token is dop_v1_ followed by 64 hex digits (API > Tokens in the control panel)',
    ),
});
export type DigitalOceanCredentials = z.infer<typeof DigitalOceanCredentialsSchema>;

/** Everything that must never show in an error message or a log. */
export function credentialSecrets(credentials: DigitalOceanCredentials): string[] {
  return [credentials.token];
}
