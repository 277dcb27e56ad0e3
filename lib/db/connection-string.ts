/**
 * Where the MongoDB connection string comes from: MONGODB_URI when set (local mode, tests, CI), otherwise
 * a Secrets Manager secret (deployed stacks), read once per Lambda container.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { NimboConfig } from '../core/config.js';
import { ConfigurationError } from '../core/errors.js';

let secretsClient: SecretsManagerClient | undefined;

/** The secret may hold the bare connection string, or JSON with a `uri` (or `MONGODB_URI`) member. */
export function parseConnectionSecret(secret: string): string {
  const trimmed = secret.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (cause) {
      throw new ConfigurationError('The MongoDB secret is not valid JSON', { cause });
    }
    const o = parsed as Record<string, unknown>;
    const uri = o.uri ?? o.MONGODB_URI;
    if (typeof uri !== 'string' || !uri) {
      throw new ConfigurationError('The MongoDB secret JSON has no "uri" member');
    }
    return checkScheme(uri);
  }
  return checkScheme(trimmed);
}

function checkScheme(uri: string): string {
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) {
    throw new ConfigurationError(
      'The MongoDB connection string must start with mongodb:// or mongodb+srv://',
    );
  }
  return uri;
}

export async function resolveConnectionString(config: NimboConfig): Promise<string> {
  if (config.MONGODB_URI) return checkScheme(config.MONGODB_URI);
  if (!config.MONGODB_URI_SECRET_ARN) {
    throw new ConfigurationError('Set MONGODB_URI, or MONGODB_URI_SECRET_ARN to a Secrets Manager secret');
  }
  secretsClient ??= new SecretsManagerClient({});
  let secret: string | undefined;
  try {
    const out = await secretsClient.send(
      new GetSecretValueCommand({ SecretId: config.MONGODB_URI_SECRET_ARN }),
    );
    secret = out.SecretString;
  } catch (cause) {
    const name = (cause as Error).name ?? 'Error';
    throw new ConfigurationError(`Cannot read the MongoDB secret (${name})`, { cause });
  }
  if (!secret) throw new ConfigurationError('The MongoDB secret has no string value');
  return parseConnectionSecret(secret);
}
