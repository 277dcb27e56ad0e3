/**
 * SSH key pairs in OpenSSH formats: generation (ed25519 by default, RSA 3072/4096 on request) and import
 * validation (the private key parses, opens with its passphrase if it has one, and matches the public key
 * given with it). No DB here: lib/services/keys.ts stores what these return.
 */
// ssh2 is CommonJS: Node's ESM loader sees only its default export (tsx and plain node, not just bundles).
import ssh2, { type ParsedKey } from 'ssh2';

const { utils } = ssh2;

import { SshKeyError } from './errors.js';
import { sshFingerprint } from './fingerprint.js';

export type SshKeyType = 'ed25519' | 'rsa';

export interface SshKeyPair {
  /** OpenSSH private key text (exactly as given, when imported: an encrypted key stays encrypted). */
  privateKey: string;
  /** One authorized_keys line: `<algo> <base64> [comment]`. */
  publicKey: string;
  fingerprint: string;
  /** ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ... */
  algorithm: string;
  encrypted: boolean;
}

export function generateSshKeyPair(type: SshKeyType, options: { bits?: number; comment?: string } = {}) {
  const comment = options.comment ?? '';
  const pair =
    type === 'rsa'
      ? utils.generateKeyPairSync('rsa', { bits: options.bits ?? 3072, comment })
      : utils.generateKeyPairSync('ed25519', { comment });
  return describe(pair.private, undefined, false);
}

function parsed(text: string, passphrase?: string): ParsedKey {
  let key: ReturnType<typeof utils.parseKey>;
  try {
    key = utils.parseKey(text, passphrase);
  } catch (err) {
    throw new SshKeyError(`The private key does not parse: ${(err as Error).message}`, { cause: err });
  }
  if (key instanceof Error) {
    if (/passphrase/i.test(key.message) && !passphrase) {
      throw new SshKeyError(
        'The private key is protected by a passphrase: give "passphrase" to import it (it is stored sealed, never logged)',
      );
    }
    if (/bad passphrase|decrypt|integrity/i.test(key.message)) {
      throw new SshKeyError('The passphrase does not open the private key');
    }
    throw new SshKeyError(`The private key does not parse: ${key.message}`);
  }
  return Array.isArray(key) ? (key[0] as ParsedKey) : key;
}

function describe(privateKey: string, passphrase: string | undefined, encrypted: boolean): SshKeyPair {
  const key = parsed(privateKey, passphrase);
  if (!key.isPrivateKey()) throw new SshKeyError('This is a public key: give the private key');
  const blob = key.getPublicSSH();
  const publicKey = `${key.type} ${blob.toString('base64')}${key.comment ? ` ${key.comment}` : ''}`;
  return { privateKey, publicKey, fingerprint: sshFingerprint(blob), algorithm: key.type, encrypted };
}

/** The `<algo> <base64>` part of an authorized_keys line, which identifies the key (the comment does not). */
export function publicKeyBody(publicKey: string): string {
  const [algo, b64] = publicKey.trim().split(/\s+/);
  return `${algo} ${b64}`;
}

/**
 * Validates an import. Encrypted keys need their passphrase; a public key given alongside must be the
 * private key's own.
 */
export function importSshKeyPair(input: { privateKey: string; publicKey?: string; passphrase?: string }) {
  const text = `${input.privateKey.trim()}\n`;
  const encrypted = utils.parseKey(text) instanceof Error && Boolean(input.passphrase);
  const pair = describe(text, input.passphrase, encrypted);
  if (input.publicKey === undefined) return pair;
  const given = parsed(input.publicKey.trim());
  if (
    publicKeyBody(`${given.type} ${given.getPublicSSH().toString('base64')}`) !==
    publicKeyBody(pair.publicKey)
  ) {
    throw new SshKeyError('The public key does not match the private key');
  }
  // The comment given with the public key wins (ssh-keygen puts it there, not always in the private key).
  const comment = input.publicKey.trim().split(/\s+/).slice(2).join(' ');
  return { ...pair, publicKey: `${publicKeyBody(pair.publicKey)}${comment ? ` ${comment}` : ''}` };
}
