/**
 * What a create-cloud body becomes in the cloud's document, the same way for every provider: its regions,
 * its non-secret settings, the credentials to seal and what may be shown of them. Provider-specific only
 * in the credential summary, which names the identity (a role, an account) and never a secret.
 */
import type { CloudDoc } from '../db/documents.js';
import type { CreateCloudBody } from '../model/cloud.js';
import type { Provider } from '../providers/capabilities.js';

type Summary = NonNullable<CloudDoc['credentialsSummary']>;

// biome-ignore lint/suspicious/noExplicitAny: each entry reads its own provider's validated credentials.
const SUMMARIES: Partial<Record<Provider, (credentials: any) => Summary>> = {
  aws: (c: { type: string; roleArn?: string }) =>
    c.type === 'assumeRole' ? { type: c.type, roleArn: c.roleArn! } : { type: c.type },
  gcp: (c: { client_email: string }) => ({ type: 'serviceAccount', account: c.client_email }),
  azure: (c: { clientId: string; tenantId: string }) => ({
    type: 'servicePrincipal',
    account: `${c.clientId}@${c.tenantId}`,
  }),
  // A token names no identity of its own: only its kind is shown.
  digitalocean: () => ({ type: 'apiToken' }),
  hetzner: () => ({ type: 'apiToken' }),
};

/** Settings a provider starts with when the body gives none (a bring-your-own cloud's host list). */
const DEFAULT_SETTINGS: Partial<Record<Provider, Record<string, unknown>>> = { ssh: { hosts: [] } };

export interface CloudShape {
  regions: string[];
  settings: Record<string, unknown> | null;
  credentials: unknown;
  credentialsSummary: CloudDoc['credentialsSummary'];
  endpoint?: string;
}

export function cloudShape(body: CreateCloudBody): CloudShape {
  const regions = 'regions' in body ? [...new Set(body.regions)] : [];
  const given = 'settings' in body ? (body.settings as Record<string, unknown> | undefined) : undefined;
  const settings = given ?? DEFAULT_SETTINGS[body.provider] ?? null;
  const credentials = 'credentials' in body ? body.credentials : null;
  const summarize = SUMMARIES[body.provider];
  const endpoint = typeof settings?.endpoint === 'string' ? settings.endpoint : undefined;
  return {
    regions,
    settings,
    credentials,
    credentialsSummary: credentials && summarize ? summarize(credentials) : null,
    ...(endpoint ? { endpoint } : {}),
  };
}
