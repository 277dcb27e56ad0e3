/**
 * SSH key pairs: generation in OpenSSH format (ed25519 by default, RSA 3072/4096 on request) and import
 * validation (the private key parses, opens with its passphrase if it has one, and matches the public key
 * given with it). Imports take what ssh2 parses (OpenSSH, PEM PKCS#1/SEC1/DSA, PuTTY PPK v2) and PKCS#8,
 * which lib/ssh/pkcs8.ts converts. No DB here: lib/keys/keys.ts stores what these return.
 */
// ssh2 is CommonJS: Node's ESM loader sees only its default export (tsx and plain node, not just bundles).
import ssh2, { type ParsedKey } from 'ssh2';

const { utils } = ssh2;

import { SshKeyError } from './errors.js';
import { sshFingerprint } from './fingerprint.js';
import { isEncryptedPkcs8, isPkcs8, PASSPHRASE_NEEDED, PASSPHRASE_WRONG, ssh2PrivateKey } from './pkcs8.js';

export type SshKeyType = 'ed25519' | 'rsa';

export interface SshKeyPair {
  /** The private key text: OpenSSH when generated, exactly as given when imported (encrypted stays so). */
  privateKey: string;
  /** One authorized_keys line: `<algo> <base64> [comment]`. */
  publicKey: string;
  fingerprint: string;
  /** ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ... */
  algorithm: string;
  encrypted: boolean;
}

/**
 * ssh2's generator writes a malformed key now and then (measured: 19 ed25519 keys in 3,000, whose 32-byte
 * key lost a leading zero byte), so each key is parsed back, and a malformed one is made again.
 */
const GENERATE_TRIES = 8;

export function generateSshKeyPair(type: SshKeyType, options: { bits?: number; comment?: string } = {}) {
  const comment = options.comment ?? '';
  for (let attempt = 1; ; attempt++) {
    const pair =
      type === 'rsa'
        ? utils.generateKeyPairSync('rsa', { bits: options.bits ?? 3072, comment })
        : utils.generateKeyPairSync('ed25519', { comment });
    try {
      return describe(pair.private, undefined, false);
    } catch (err) {
      if (!(err instanceof SshKeyError) || attempt >= GENERATE_TRIES) throw err;
    }
  }
}

/** A private key in any accepted format (PKCS#8 converted first, lib/ssh/pkcs8.ts), or a public key. */
function parsed(text: string, passphrase?: string): ParsedKey {
  const given = ssh2PrivateKey(text, passphrase);
  let key: ReturnType<typeof utils.parseKey>;
  try {
    key = utils.parseKey(given.privateKey, given.passphrase);
  } catch (err) {
    throw new SshKeyError(`The private key does not parse: ${(err as Error).message}`, { cause: err });
  }
  if (key instanceof Error) {
    if (/passphrase/i.test(key.message) && !passphrase) throw new SshKeyError(PASSPHRASE_NEEDED);
    if (/bad passphrase|decrypt|integrity/i.test(key.message)) throw new SshKeyError(PASSPHRASE_WRONG);
    throw new SshKeyError(`The private key does not parse: ${key.message}`);
  }
  return Array.isArray(key) ? (key[0] as ParsedKey) : key;
}

/**
 * sshd reads authorized_keys line by line: a line break in a comment would start a second line, which
 * could authorize another key with options of its choosing. Control characters (and the Unicode line
 * separators) are refused wherever a comment comes from: the private key, the public key given, the request.
 */
const UNSAFE_COMMENT = /[\p{Cc}\u2028\u2029]/u;

/** The comment, trimmed; refused when it holds a control character. */
export function cleanKeyComment(comment: string | undefined): string {
  if (comment === undefined) return '';
  if (UNSAFE_COMMENT.test(comment)) {
    throw new SshKeyError(
      'The key comment contains a line break or another control character: change it (ssh-keygen -c -C <comment>) and import again',
    );
  }
  return comment.trim();
}

const ALGORITHM = /^[A-Za-z0-9@._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * One authorized_keys line, built strictly as `<algo> <base64> [comment]` from a stored public key: a key
 * whose text would make anything else (a second line, options, a malformed field) is refused.
 */
export function authorizedKeyLine(publicKey: string): string {
  const text = publicKey.trim();
  if (UNSAFE_COMMENT.test(text.replaceAll('\t', ' '))) {
    throw new SshKeyError(
      'The public key contains a line break or another control character: refusing to deploy it',
    );
  }
  const [algo = '', b64 = '', ...comment] = text.split(/[ \t]+/);
  if (!ALGORITHM.test(algo) || !BASE64.test(b64)) {
    throw new SshKeyError(
      'The public key is not of the form "<algorithm> <base64> [comment]": refusing to deploy it',
    );
  }
  return [algo, b64, ...comment].join(' ');
}

function describe(privateKey: string, passphrase: string | undefined, encrypted: boolean): SshKeyPair {
  const key = parsed(privateKey, passphrase);
  if (!key.isPrivateKey()) throw new SshKeyError('This is a public key: give the private key');
  const blob = key.getPublicSSH();
  const comment = cleanKeyComment(key.comment);
  const publicKey = `${key.type} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
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
  const encrypted = isPkcs8(text)
    ? isEncryptedPkcs8(text)
    : utils.parseKey(text) instanceof Error && Boolean(input.passphrase);
  const pair = describe(text, input.passphrase, encrypted);
  if (input.publicKey === undefined) return pair;
  const line = input.publicKey.trim();
  // One line only: a second line would ride along as the "comment" below.
  if (/[\r\n]/.test(line))
    throw new SshKeyError('The public key must be one line: `<algorithm> <base64> [comment]`');
  const given = parsed(line);
  const body = publicKeyBody(pair.publicKey);
  if (publicKeyBody(`${given.type} ${given.getPublicSSH().toString('base64')}`) !== body) {
    throw new SshKeyError('The public key does not match the private key');
  }
  // The comment given with the public key wins (ssh-keygen puts it there, not always in the private key).
  const comment = cleanKeyComment(
    line
      .split(/[ \t]+/)
      .slice(2)
      .join(' '),
  );
  return { ...pair, publicKey: `${body}${comment ? ` ${comment}` : ''}` };
}
