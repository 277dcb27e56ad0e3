/** Key fingerprints as `ssh-keygen -l` prints them: SHA256, unpadded base64 of the public key blob. */
import { createHash } from 'node:crypto';

export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}
