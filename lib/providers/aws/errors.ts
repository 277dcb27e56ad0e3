/**
 * AWS SDK failures → Nimbo's provider errors. Services and the API react to these classes, never to the
 * SDK's, so every call of the driver goes through mapAwsError. Messages are for an operator: they carry
 * the AWS error code and message and where it happened, and never credentials.
 */
import { NimboError, ProviderError } from '../../core/errors.js';
import {
  MachineStateError,
  type MapErrorOptions,
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
  ProviderThrottledError,
  ProviderTimeoutError,
  redactSecrets,
} from '../errors.js';

const AUTH_CODES = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidAccessKeyId',
  // The default chain (role credentials) found nothing to sign with: the same remedy as a rejected key.
  'CredentialsProviderError',
]);

const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  // Route 53: a change to the same zone is still being applied; AWS says to retry.
  'PriorRequestNotComplete',
]);

const NOT_FOUND_CODES = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
  'InvalidSnapshot.NotFound',
  'InvalidSnapshotID.Malformed',
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Malformed',
  'InvalidAMIID.Unavailable',
  'InvalidKeyPair.NotFound',
  'InvalidSubnetID.NotFound',
  'InvalidVolume.NotFound',
  'NoSuchHostedZone',
  'NoSuchChange',
  'InvalidVpcID.NotFound',
]);

/** The request itself was refused as invalid: 422 with AWS's reason (Route 53 names each bad change). */
const REJECTED_CODES = new Set([
  'InvalidChangeBatch',
  'InvalidInput',
  'InvalidDomainName',
  'InvalidVPCId',
  'InvalidArgument',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidVpc.Range',
  'InvalidSubnet.Range',
  'VpcLimitExceeded',
  'SubnetLimitExceeded',
  'TooManyHostedZones',
  'LimitsExceeded',
]);

/** Refused because of what exists or depends on the resource: 409. */
const CONFLICT_CODES = new Set([
  'DependencyViolation',
  'HostedZoneNotEmpty',
  'HostedZoneAlreadyExists',
  'ConflictingDomainExists',
  'InvalidSubnet.Conflict',
]);

const STATE_CODES = new Set(['IncorrectInstanceState', 'IncorrectState']);

const TIMEOUT_CODES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);

interface ErrorLike {
  /** Route 53's InvalidChangeBatch lists one reason per refused change here. */
  messages?: unknown;
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
}

/**
 * The AWS error code. SDK v3 service exceptions carry it as `name` (e.g. 'InvalidInstanceID.NotFound');
 * Node's socket errors carry it as `code` (e.g. 'ETIMEDOUT') with the generic name 'Error'.
 */
export function awsErrorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'UnknownError';
  const e = err as ErrorLike;
  if (typeof e.Code === 'string' && e.Code) return e.Code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string' && e.code) return e.code;
  return typeof e.name === 'string' && e.name ? e.name : 'UnknownError';
}

export function isThrottlingError(err: unknown): boolean {
  return !(err instanceof NimboError) && THROTTLE_CODES.has(awsErrorCode(err));
}

function isTimeout(err: unknown, code: string): boolean {
  if (TIMEOUT_CODES.has(code)) return true;
  // The SDK's socket and connection timeouts do not always set a code; their messages say it.
  const message = (err as ErrorLike).message;
  return (
    typeof message === 'string' && /socket timed out|timed out after|connection timed out/i.test(message)
  );
}

/**
 * Map any error thrown by an AWS call. `context` says what was being done and where (e.g.
 * "DescribeInstances in eu-west-1"), so an operator can tell which region of a cloud failed.
 * Errors already mapped (e.g. by the credential provider) pass through unchanged.
 */
export function mapAwsError(err: unknown, context: string, options: MapErrorOptions = {}): NimboError {
  if (err instanceof NimboError) return err;
  const code = awsErrorCode(err);
  const reasons = (err as ErrorLike)?.messages;
  const own = typeof (err as ErrorLike)?.message === 'string' ? ((err as ErrorLike).message as string) : '';
  const raw =
    Array.isArray(reasons) && reasons.length
      ? [own, ...reasons.map(String)].filter((m) => m && m !== code).join(': ')
      : own;
  const message = redactSecrets(raw || code, options.secrets);
  const text = `${context}: AWS ${code}: ${message}`;
  // The cause goes to logs: when it held a secret, logs get nothing rather than the secret.
  const opts = { cause: message === (raw || code) ? err : undefined };
  if (AUTH_CODES.has(code)) return new ProviderAuthError(text, opts);
  if (THROTTLE_CODES.has(code)) {
    const tries = options.attempts ? ` (gave up after ${options.attempts} attempts)` : '';
    return new ProviderThrottledError(text + tries, opts);
  }
  if (NOT_FOUND_CODES.has(code)) return new ProviderNotFoundError(text, opts);
  if (STATE_CODES.has(code)) return new MachineStateError(text, opts);
  if (REJECTED_CODES.has(code)) return new ProviderRejectedError(text, opts);
  if (CONFLICT_CODES.has(code)) return new ProviderConflictError(text, opts);
  if (isTimeout(err, code)) return new ProviderTimeoutError(text, opts);
  return new ProviderError(text, opts);
}
