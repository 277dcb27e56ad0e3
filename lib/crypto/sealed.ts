/**
 * Secrets at rest (cloud credentials, private keys): AES-256-GCM with a random 96-bit nonce per value and
 * the owning document's identity as additional authenticated data, so a sealed value copied onto another
 * document (or another org) fails to open instead of leaking.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigurationError } from '../core/errors.js';

export interface SealedValue {
  /** Format version, for key rotation and algorithm changes. */
  v: 1;
  /** Which key sealed it (its fingerprint), so rotation can tell old from new. */
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

export interface DataKey {
  id: string;
  key: Buffer;
}

export function seal(key: DataKey, plaintext: string, context: string): SealedValue {
  if (key.key.length !== 32) throw new ConfigurationError('The encryption key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    v: 1,
    kid: key.id,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
  readonly code = 'sealed_value_unreadable';
}

export function unseal(key: DataKey, sealed: SealedValue, context: string): string {
  if (sealed.v !== 1) throw new SealedValueError(`Unknown sealed value version ${sealed.v}`);
  if (sealed.kid !== key.id) {
    throw new SealedValueError(`Sealed with key ${sealed.kid}, but the current key is ${key.id}`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    throw new SealedValueError('The sealed value does not open with this key and context', { cause });
  }
}
