/**
 * Provider failures, the same for every driver: services and the API react to these, never to an SDK's
 * own error classes. The message is meant for the operator and carries the provider's words.
 */
import { ConflictError, ProviderError, UnprocessableError } from '../core/errors.js';

/** What every driver's error mapping takes (mapAwsError, mapGcpError, mapAzureError). */
export interface MapErrorOptions {
  /** How many times the call was tried: throttling errors report it, so the operator sees we did back off. */
  attempts?: number;
  /** Strings that must never appear in a message (the cloud's credentialSecrets), replaced by [redacted]. */
  secrets?: readonly string[];
}

/** `text` with every secret (credentialSecrets of the cloud) replaced by [redacted]: messages reach operators. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** The provider rejected the credentials (or the role cannot be assumed). */
export class ProviderAuthError extends ProviderError {
  override readonly name = 'ProviderAuthError';
  override readonly code = 'provider_auth_failed';
}

/** The provider throttled us and retries with backoff did not get through. */
export class ProviderThrottledError extends ProviderError {
  override readonly name = 'ProviderThrottledError';
  override readonly code = 'provider_throttled';
}

/** The provider did not answer in time. */
export class ProviderTimeoutError extends ProviderError {
  override readonly name = 'ProviderTimeoutError';
  override readonly code = 'provider_timeout';
}

/** The provider does not know the machine (or image, size, snapshot) we named. */
export class ProviderNotFoundError extends ProviderError {
  override readonly name = 'ProviderNotFoundError';
  override readonly code = 'provider_resource_not_found';
}

/** The machine is not in a state that allows the action (answers 409). */
export class MachineStateError extends ConflictError {
  override readonly name = 'MachineStateError';
  override readonly code = 'invalid_machine_state';
}

/** The provider refused the request as invalid (Route 53 InvalidChangeBatch): 422 with the provider's reason. */
export class ProviderRejectedError extends UnprocessableError {
  override readonly name = 'ProviderRejectedError';
  override readonly code = 'provider_rejected';
}

/** The provider refused because of what depends on the resource (EC2 DependencyViolation, a non-empty zone). */
export class ProviderConflictError extends ConflictError {
  override readonly name = 'ProviderConflictError';
  override readonly code = 'provider_conflict';
}

/** A DNS change the provider accepted is not yet INSYNC: retried later, like a timeout. */
export class ChangePendingError extends ProviderError {
  override readonly name = 'ChangePendingError';
  override readonly code = 'change_pending';
  /** Route 53 changes usually sync within a minute: ask again after this long. */
  readonly retryAfterSeconds = 15;
}

/** Transient failures worth retrying (a job retry, or a backoff loop). */
export function isTransientProviderError(err: unknown): boolean {
  return (
    err instanceof ProviderThrottledError ||
    err instanceof ProviderTimeoutError ||
    err instanceof ChangePendingError
  );
}
