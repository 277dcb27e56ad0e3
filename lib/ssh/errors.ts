/**
 * SSH failures, typed so that jobs and the API can say exactly what went wrong: unreachable host, refused
 * key, changed host key, timeout. They are provider errors (502 at the edge): the machine, not Nimbo, said no.
 */
import { ProviderError } from '../core/errors.js';

export class SshError extends ProviderError {
  override readonly name: string = 'SshError';
  override readonly code: string = 'ssh_failed';
}

/** TCP connect failed (refused, no route, DNS) or the handshake did not finish within the connect timeout. */
export class SshUnreachableError extends SshError {
  override readonly name = 'SshUnreachableError';
  override readonly code = 'ssh_unreachable';
}

/** The server refused every authentication method we offered (wrong key or user). */
export class SshAuthError extends SshError {
  override readonly name = 'SshAuthError';
  override readonly code = 'ssh_auth_failed';
}

/** The host presented a key other than the pinned one: maybe reinstalled, maybe someone in the middle. */
export class SshHostKeyMismatchError extends SshError {
  override readonly name = 'SshHostKeyMismatchError';
  override readonly code = 'ssh_host_key_mismatch';
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly seen: string,
  ) {
    super(
      `The host key of ${host} changed: expected ${expected}, the server presented ${seen}. ` +
        'Refusing to connect; if the host was reinstalled, reset its pinned host key.',
      { details: { expected, seen } },
    );
  }
}

/** A private key that does not parse, is encrypted without its passphrase, or does not match its public key. */
export class SshKeyError extends SshError {
  override readonly name = 'SshKeyError';
  override readonly code = 'ssh_key_invalid';
}
