/** Key generation and import validation (no server needed). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SshKeyError } from '../../lib/ssh/errors.js';
import { authorizedKeyLine, generateSshKeyPair, importSshKeyPair } from '../../lib/ssh/keypair.js';
import { envPrefix, shellQuote } from '../../lib/ssh/quote.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbo-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ssh-keygen's own view of a key file: its fingerprint. */
function keygenFingerprint(path: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', path]).toString().split(' ')[1]!;
}

function keygen(
  name: string,
  args: string[],
  comment = 'imported',
): { privateKey: string; publicKey: string; path: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-f', path, '-C', comment, ...args]);
  return { privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8'), path };
}

describe('SSH key pairs', () => {
  it('generates ed25519 keys in OpenSSH format, with the fingerprint ssh-keygen computes', () => {
    const pair = generateSshKeyPair('ed25519', { comment: 'me@nimbo' });
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(pair.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+ me@nimbo$/);
    expect(pair.algorithm).toBe('ssh-ed25519');
    const path = join(dir, 'gen');
    writeFileSync(path, pair.privateKey, { mode: 0o600 });
    expect(keygenFingerprint(path)).toBe(pair.fingerprint);
    // ssh-keygen derives the same public key from our private key.
    expect(execFileSync('ssh-keygen', ['-y', '-f', path]).toString().trim()).toBe(pair.publicKey);
  });

  it('generates only keys that parse back (the generator underneath writes a malformed one now and then)', () => {
    // At ssh2's measured rate (19 in 3,000) nearly every run of 1,000 would meet one.
    for (let i = 0; i < 1_000; i++) {
      const key = generateSshKeyPair('ed25519');
      expect(importSshKeyPair({ privateKey: key.privateKey }).fingerprint).toBe(key.fingerprint);
    }
  });

  it('generates RSA keys of the requested size', () => {
    const pair = generateSshKeyPair('rsa', { bits: 3072 });
    expect(pair.algorithm).toBe('ssh-rsa');
    const path = join(dir, 'gen-rsa');
    writeFileSync(path, pair.privateKey, { mode: 0o600 });
    expect(execFileSync('ssh-keygen', ['-l', '-f', path]).toString()).toMatch(/^3072 /);
  });

  it('imports an ssh-keygen key and checks it against its public key', () => {
    const k = keygen('plain', ['-t', 'ed25519', '-N', '']);
    const pair = importSshKeyPair({ privateKey: k.privateKey, publicKey: k.publicKey });
    expect(pair.fingerprint).toBe(keygenFingerprint(k.path));
    expect(pair.publicKey).toBe(k.publicKey.trim());
    expect(pair.encrypted).toBe(false);
  });

  it('refuses a public key that belongs to another private key', () => {
    const a = keygen('a', ['-t', 'ed25519', '-N', '']);
    const b = keygen('b', ['-t', 'ed25519', '-N', '']);
    expect(() => importSshKeyPair({ privateKey: a.privateKey, publicKey: b.publicKey })).toThrow(
      /does not match/,
    );
  });

  it('refuses a passphrase-protected key without its passphrase, and opens it with it', () => {
    const k = keygen('enc', ['-t', 'ed25519', '-N', 'open sesame']);
    expect(() => importSshKeyPair({ privateKey: k.privateKey })).toThrow(/protected by a passphrase/);
    expect(() => importSshKeyPair({ privateKey: k.privateKey, passphrase: 'wrong' })).toThrow(SshKeyError);
    const pair = importSshKeyPair({ privateKey: k.privateKey, passphrase: 'open sesame' });
    expect(pair.encrypted).toBe(true);
    expect(pair.privateKey.trim()).toBe(k.privateKey.trim());
    expect(pair.fingerprint).toBe(keygenFingerprint(k.path));
  });

  it('imports PEM RSA keys and refuses garbage and public keys given as private', () => {
    const k = keygen('pem', ['-t', 'rsa', '-b', '3072', '-m', 'PEM', '-N', '']);
    expect(k.privateKey).toMatch(/BEGIN RSA PRIVATE KEY/);
    expect(importSshKeyPair({ privateKey: k.privateKey }).algorithm).toBe('ssh-rsa');
    expect(() => importSshKeyPair({ privateKey: 'not a key' })).toThrow(SshKeyError);
    expect(() => importSshKeyPair({ privateKey: k.publicKey })).toThrow(/public key/);
  });
});

describe('key comments and authorized_keys lines', () => {
  /** What an attacker would hide in a comment: a second authorized_keys line for their own key. */
  const injected = () =>
    `x\ncommand="/bin/sh" ${generateSshKeyPair('ed25519').publicKey.split(' ').slice(0, 2).join(' ')}`;

  it('refuses a private key whose comment holds a line break (a second authorized_keys line)', () => {
    const k = keygen('newline-comment', ['-t', 'ed25519', '-N', ''], injected());
    expect(() => importSshKeyPair({ privateKey: k.privateKey })).toThrow(SshKeyError);
    expect(() => importSshKeyPair({ privateKey: k.privateKey })).toThrow(/line break or another control/);
  });

  it('refuses a public key given with more than one line, or with control characters in its comment', () => {
    const k = keygen('clean', ['-t', 'ed25519', '-N', '']);
    const line = k.publicKey.trim();
    const other = generateSshKeyPair('ed25519').publicKey;
    expect(() => importSshKeyPair({ privateKey: k.privateKey, publicKey: `${line}\n${other}` })).toThrow(
      /must be one line/,
    );
    expect(() => importSshKeyPair({ privateKey: k.privateKey, publicKey: `${line} a\u001bb` })).toThrow(
      /control character/,
    );
    expect(importSshKeyPair({ privateKey: k.privateKey, publicKey: `${line}\n` }).publicKey).toBe(line);
  });

  it('refuses control characters in the comment of a generated key', () => {
    expect(() => generateSshKeyPair('ed25519', { comment: 'a\nb' })).toThrow(/control character/);
  });

  it('builds an authorized_keys line as "<algo> <base64> [comment]" and nothing else', () => {
    const pair = generateSshKeyPair('ed25519', { comment: 'me@nimbo' });
    expect(authorizedKeyLine(`  ${pair.publicKey}\n`)).toBe(pair.publicKey);
    const [algo, b64] = pair.publicKey.split(' ');
    expect(authorizedKeyLine(`${algo}\t${b64}`)).toBe(`${algo} ${b64}`);
    expect(() => authorizedKeyLine(`${pair.publicKey}\n${generateSshKeyPair('ed25519').publicKey}`)).toThrow(
      /line break/,
    );
    expect(() => authorizedKeyLine(`command="sh" ${pair.publicKey}`)).toThrow(/not of the form/);
    expect(() => authorizedKeyLine(`${algo} not-base64!`)).toThrow(/not of the form/);
  });
});

describe('shell quoting', () => {
  it('makes one word of anything', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  it('refuses environment names that are not identifiers', () => {
    expect(envPrefix({ A_1: 'x' })).toBe(`env 'A_1=x' `);
    expect(() => envPrefix({ 'A;rm': 'x' })).toThrow(/Invalid environment variable name/);
    expect(() => envPrefix({ '1A': 'x' })).toThrow(/Invalid/);
  });
});
