/**
 * A Hetzner Cloud cloud is signed with a project's API token (Security > API tokens, Read & Write).
 * The same token reaches the project's DNS zones: Hetzner's DNS moved into the Cloud API (GA on
 * 2025-11-10), so no separate DNS Console token is needed.
 */
import { z } from 'zod';

export const HetznerCredentialsSchema = z.strictObject({
  token: z
    .string()
    .regex(
      /^[A-Za-z0-9]{64}$/,
      "a Hetzner Cloud API token has 64 letters and digits (the project's Security > API tokens)",
    ),
});
export type HetznerCredentials = z.infer<typeof HetznerCredentialsSchema>;

/** Everything that must never show in an error message or a log. */
export function credentialSecrets(credentials: HetznerCredentials): string[] {
  return [credentials.token];
}
