/**
 * A create request's keyName: a public key line ("ssh-ed25519 AAAA... comment") is found among the
 * project's SSH keys by its MD5 fingerprint (Hetzner's) and uploaded when absent; anything else is the
 * name or id of a key the project already has, passed as is.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RestClient } from '../rest/client.js';
import { listAll } from './client.js';
import { SshKeySchema } from './schemas.js';

const PUBLIC_KEY = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\s+([A-Za-z0-9+/=]+)(\s.*)?$/;

/** Hetzner's fingerprint of a public key: MD5 of the key blob, as colon-separated hex. */
export function fingerprintOf(publicKey: string): string | undefined {
  const m = PUBLIC_KEY.exec(publicKey.trim());
  if (!m) return undefined;
  const digest = createHash('md5').update(Buffer.from(m[2]!, 'base64')).digest('hex');
  return digest.match(/../g)!.join(':');
}

/** What ssh_keys takes for this keyName: the key's id, or the name or id given. */
export async function resolveSshKey(rest: RestClient, keyName: string): Promise<number | string> {
  const fingerprint = fingerprintOf(keyName);
  if (!fingerprint) return /^\d+$/.test(keyName) ? Number(keyName) : keyName;
  const known = await listAll(
    rest,
    { path: '/ssh_keys', query: { fingerprint }, context: 'find the SSH key' },
    'ssh_keys',
    SshKeySchema,
  );
  const same = known.find((k) => k.fingerprint === fingerprint);
  if (same) return same.id;
  const made = await rest.post({
    path: '/ssh_keys',
    body: { name: `nimbo-${fingerprint.replace(/:/g, '').slice(0, 16)}`, public_key: keyName.trim() },
    schema: z.looseObject({ ssh_key: SshKeySchema }),
    context: 'upload the SSH key',
  });
  return made.ssh_key.id;
}
