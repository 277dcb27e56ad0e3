/** The service-account key schema, and the strings never to show. */
import { expect, it } from 'vitest';
import { credentialSecrets, GcpCredentialsSchema } from '../../../lib/providers/gcp/credentials.js';
import { toLabels, toProviderMachine } from '../../../lib/providers/gcp/mapping.js';
import { credentials, keyLines } from './fixtures.js';

it('accepts a service-account key as the console writes it', () => {
  const file = {
    ...credentials,
    client_id: '1234567890',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/nimbo',
    universe_domain: 'googleapis.com',
  };
  expect(GcpCredentialsSchema.parse(file)).toEqual(file);
});

it.each([
  ['another type', { type: 'authorized_user' }],
  ['a key that is not PEM', { private_key: 'not a key' }],
  ['an unknown field', { refresh_token: 'x' }],
  ['a bad project id', { project_id: 'Bad_Project' }],
])('refuses %s', (_what, change) => {
  expect(GcpCredentialsSchema.safeParse({ ...credentials, ...change }).success).toBe(false);
});

it('the secrets cover the key, each of its lines and the key id', () => {
  const secrets = credentialSecrets(credentials);
  expect(secrets).toContain(credentials.private_key);
  expect(secrets).toContain(credentials.private_key_id);
  for (const line of keyLines) expect(secrets).toContain(line);
});

it('labels are folded to GCE rules', () => {
  expect(toLabels({ Env: 'Prod', '1st': 'A B', 'x.y': 'é' })).toEqual({
    env: 'prod',
    't-1st': 'a-b',
    'x-y': '-',
  });
});

it('maps a bare instance without addresses or type', () => {
  expect(toProviderMachine({ name: 'n', zone: 'zones/asia-east1-a', status: 'WEIRD' })).toMatchObject({
    externalId: 'n',
    state: 'unknown',
    region: 'asia-east1-a',
    publicIps: [],
    privateIps: [],
    tags: {},
    extra: { gcpRegion: 'asia-east1' },
  });
});
