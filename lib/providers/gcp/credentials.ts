/**
 * A Google Cloud cloud is signed with a service-account key, the JSON file the console downloads. The
 * schema is strict so a pasted file of another kind (an OAuth client, an authorized_user) is refused
 * when the cloud is saved rather than at the first call; the other fields Google writes into the file
 * are accepted so a real key file validates as downloaded.
 */
import { z } from 'zod';

const PEM = /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END (RSA )?PRIVATE KEY-----\s*$/;

export const GcpCredentialsSchema = z.strictObject({
  type: z.literal('service_account'),
  project_id: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'not a Google Cloud project ID'),
  client_email: z.email(),
  private_key: z.string().regex(PEM, 'not a PEM private key'),
  private_key_id: z.string().regex(/^[0-9a-f]{8,64}$/, 'not a private key ID'),
  token_uri: z.url().optional(),
  // Written by the console into every key file; Nimbo does not use them.
  client_id: z.string().optional(),
  auth_uri: z.url().optional(),
  auth_provider_x509_cert_url: z.url().optional(),
  client_x509_cert_url: z.url().optional(),
  universe_domain: z.string().optional(),
});
export type GcpCredentials = z.infer<typeof GcpCredentialsSchema>;

/**
 * What must never show in an error or a log: the key itself, and each of its base64 lines (an SDK may
 * quote a fragment of a key it failed to parse). The key ID is not secret but is redacted too: it names
 * the key to revoke, which only the operator should learn from the console.
 */
export function credentialSecrets(c: GcpCredentials): string[] {
  const lines = c.private_key
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
  return [c.private_key, c.private_key.replace(/\n/g, '\\n'), c.private_key_id, ...lines];
}
