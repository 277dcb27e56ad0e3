/**
 * API token secrets: 32 random bytes, shown once. Only their sha256 is stored: the secret has 256 bits of
 * entropy, so a fast hash is safe (no need for a slow password hash) and lookups stay a single index hit.
 */
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'nimbo_';

export function generateTokenSecret(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Shown in lists so an operator can tell tokens apart; 6 chars of 43 random ones reveal nothing useful. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, PREFIX.length + 6);
}

export function looksLikeTokenSecret(value: string): boolean {
  return value.startsWith(PREFIX) && /^[A-Za-z0-9_-]{40,60}$/.test(value.slice(PREFIX.length));
}
