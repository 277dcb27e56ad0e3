/**
 * The SSH key a new droplet is created with: DigitalOcean embeds keys of the account (GET /account/keys)
 * given by id or MD5 fingerprint. A create request's keyName may be either as is, a public key line
 * (found in the account by its key, or added there), or the name of an account key.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProviderRejectedError } from '../errors.js';
import { type DigitalOceanSetup, listAll, SERVICE } from './client.js';
import { SshKey } from './schemas.js';

const MD5_FINGERPRINT = /^[0-9a-f]{2}(?::[0-9a-f]{2}){15}$/i;
const PUBLIC_KEY =
  /^(ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-\S+)\s+([A-Za-z0-9+/]+=*)(?:\s+(.*))?$/;

/** The key type and its base64 body: the comment is not part of the key. */
function keyBody(line: string): { type: string; blob: string; comment?: string } | undefined {
  const m = PUBLIC_KEY.exec(line.trim());
  if (!m) return undefined;
  return { type: m[1]!, blob: m[2]!, ...(m[3]?.trim() ? { comment: m[3].trim() } : {}) };
}

const listKeys = (setup: DigitalOceanSetup) =>
  listAll(setup.rest, '/account/keys', 'ssh_keys', SshKey, 'list the SSH keys of the account');

/** What DigitalOcean's ssh_keys takes for this keyName: an id or a fingerprint. */
export async function resolveSshKey(setup: DigitalOceanSetup, keyName: string): Promise<number | string> {
  const wanted = keyName.trim();
  if (/^\d{1,19}$/.test(wanted)) return Number(wanted);
  if (MD5_FINGERPRINT.test(wanted)) return wanted.toLowerCase();
  const body = keyBody(wanted);
  const keys = await listKeys(setup);
  if (body) {
    const found = keys.find((k) => {
      const b = keyBody(k.public_key);
      return b?.type === body.type && b.blob === body.blob;
    });
    if (found) return found.id;
    const digest = createHash('sha256').update(body.blob).digest('hex').slice(0, 12);
    const added = await setup.rest.post({
      path: '/account/keys',
      body: { name: body.comment ?? `nimbo-${digest}`, public_key: `${body.type} ${body.blob}` },
      schema: z.looseObject({ ssh_key: SshKey }),
      context: 'add the SSH key to the account',
    });
    return added.ssh_key.id;
  }
  const named = keys.filter((k) => k.name === wanted);
  if (named.length === 0) {
    throw new ProviderRejectedError(
      `${SERVICE} has no SSH key named "${wanted}" in the account: give its name, id or fingerprint as the control panel shows it, or the public key itself`,
    );
  }
  return named[0]!.id;
}
