/**
 * How Nimbo signs a cloud's Azure calls: a service principal (an app registration's client secret) in
 * one tenant, scoped to one subscription. The SDKs are loaded on first use only, so nothing here imports
 * them at runtime.
 */
import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const AzureCredentialsSchema = z.strictObject({
  tenantId: z.string().regex(GUID, 'a tenant ID is a GUID'),
  clientId: z.string().regex(GUID, 'a client (application) ID is a GUID'),
  clientSecret: z.string().min(1),
  subscriptionId: z.string().regex(GUID, 'a subscription ID is a GUID'),
});
export type AzureCredentials = z.infer<typeof AzureCredentialsSchema>;

/** Everything that must never show in an error message or a log: the IDs are not secret, the secret is. */
export function credentialSecrets(credentials: AzureCredentials): string[] {
  return [credentials.clientSecret];
}
