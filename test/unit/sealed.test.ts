import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFromSecretString, readOrCreateKeyFile } from '../../lib/crypto/data-key.js';
import { SealedValueError, seal, unseal } from '../../lib/crypto/sealed.js';

const key = { id: 'k1', key: randomBytes(32) };

describe('sealed secrets', () => {
  it('round-trips a value in its context, with a fresh nonce each time', () => {
    const a = seal(key, 'hunter2', 'cloud:a');
    const b = seal(key, 'hunter2', 'cloud:a');
    expect(a.iv).not.toBe(b.iv);
    expect(JSON.stringify(a)).not.toContain('hunter2');
    expect(unseal(key, a, 'cloud:a')).toBe('hunter2');
  });

  it('does not open in another context (a value copied onto another cloud or org)', () => {
    const sealed = seal(key, 'hunter2', 'cloud:a');
    expect(() => unseal(key, sealed, 'cloud:b')).toThrow(SealedValueError);
  });

  it('does not open when tampered with, or with another key', () => {
    const sealed = seal(key, 'hunter2', 'ctx');
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    expect(() => unseal(key, { ...sealed, data: data.toString('base64') }, 'ctx')).toThrow(SealedValueError);
    expect(() => unseal({ id: 'k1', key: randomBytes(32) }, sealed, 'ctx')).toThrow(SealedValueError);
  });

  it('creates the local key file once, readable by its owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbo-key-'));
    try {
      const file = join(dir, 'sub', 'data-key');
      const first = readOrCreateKeyFile(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readOrCreateKeyFile(file)).toEqual(first);
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("derives a 32-byte key from the stack's generated secret, the same each time", () => {
    const secret = 'a'.repeat(20) + 'B7'.repeat(22);
    expect(keyFromSecretString(secret).key).toHaveLength(32);
    expect(keyFromSecretString(secret)).toEqual(keyFromSecretString(secret));
    expect(() => keyFromSecretString('short')).toThrow(/too short/);
  });
});
