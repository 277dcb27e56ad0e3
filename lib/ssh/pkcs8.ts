/**
 * PKCS#8 private keys ("BEGIN PRIVATE KEY", and "BEGIN ENCRYPTED PRIVATE KEY" with its passphrase), as
 * `openssl genpkey` and Node's crypto write them. ssh2 does not read PKCS#8, so a key is handed to it in a
 * format it does read, converted in memory each time: RSA as PKCS#1 PEM, ECDSA as SEC1 PEM, ed25519 as an
 * unencrypted OpenSSH private key (Node cannot write that format, so it is built here). What is stored
 * stays the text as given: an encrypted key stays encrypted at rest.
 */
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { SshKeyError } from './errors.js';

const PKCS8 = /^-----BEGIN (ENCRYPTED )?PRIVATE KEY-----\r?\n/;

/** The curves SSH has names for (ecdsa-sha2-nistp256/384/521), by OpenSSL name. */
const SSH_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

export const PASSPHRASE_NEEDED =
  'The private key is protected by a passphrase: give "passphrase" to import it (it is stored sealed, never logged)';
export const PASSPHRASE_WRONG = 'The passphrase does not open the private key';

export function isPkcs8(text: string): boolean {
  return PKCS8.test(text.trimStart());
}

export function isEncryptedPkcs8(text: string): boolean {
  return PKCS8.exec(text.trimStart())?.[1] !== undefined;
}

function open(text: string, passphrase: string | undefined): KeyObject {
  const encrypted = isEncryptedPkcs8(text);
  if (encrypted && !passphrase) throw new SshKeyError(PASSPHRASE_NEEDED);
  try {
    return createPrivateKey({
      key: text,
      format: 'pem',
      ...(encrypted && passphrase ? { passphrase } : {}),
    });
  } catch (err) {
    // A wrong passphrase mostly fails the padding check (bad decrypt), now and then the decoding after it.
    const code = (err as { code?: string }).code ?? '';
    if (encrypted && /BAD_DECRYPT|UNSUPPORTED/.test(code)) {
      throw new SshKeyError(PASSPHRASE_WRONG, { cause: err });
    }
    throw new SshKeyError('The PKCS#8 private key does not parse', { cause: err });
  }
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/**
 * The OpenSSH private key format (PROTOCOL.key of OpenSSH) for one ed25519 key, unencrypted: the public
 * key, then the private section (two equal check words, the key, an empty comment, padding 1, 2, 3, ...).
 */
function openSshEd25519(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const seed = Buffer.from(String(jwk.d), 'base64url');
  const pub = Buffer.from(String(jwk.x), 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  // Any value works as long as both words agree (they detect a wrong passphrase); derived, so the same
  // key always converts to the same text.
  const check = createHash('sha256').update(publicBlob).digest().subarray(0, 4);
  const section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(''),
  ]);
  const padding = Buffer.from(Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    count,
    sshString(publicBlob),
    sshString(Buffer.concat([section, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** A PKCS#8 key (encrypted ones opened with `passphrase`) as unencrypted key text ssh2 parses. */
export function pkcs8ToSsh2(text: string, passphrase?: string): string {
  const key = open(text, passphrase);
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return String(key.export({ type: 'pkcs1', format: 'pem' }));
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    if (!SSH_CURVES.has(curve)) {
      throw new SshKeyError(
        `PKCS#8 ECDSA keys on curve ${curve} cannot be used with SSH: use P-256, P-384 or P-521`,
      );
    }
    return String(key.export({ type: 'sec1', format: 'pem' }));
  }
  if (type === 'ed25519') return openSshEd25519(key);
  throw new SshKeyError(
    `PKCS#8 ${type ?? 'unknown'} keys are not supported: import an ed25519, RSA or ECDSA (P-256, P-384, P-521) key`,
  );
}

/**
 * The private key (and passphrase) to give ssh2: a PKCS#8 key converted (no passphrase needed after),
 * any other format as it is.
 */
export function ssh2PrivateKey(
  privateKey: string,
  passphrase?: string,
): { privateKey: string; passphrase?: string } {
  if (isPkcs8(privateKey)) return { privateKey: pkcs8ToSsh2(privateKey, passphrase) };
  return { privateKey, ...(passphrase ? { passphrase } : {}) };
}
