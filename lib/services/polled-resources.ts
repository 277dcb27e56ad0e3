/** Small rules shared by the services of polled resources (zones, records, networks, subnets). */
import type { CloudDoc } from '../db/documents.js';
import { UnprocessableError } from '../errors.js';

/** `?missing=`: by default only what the last poll found; `true` only what it did not; `any` both. */
export function missingFilter(missing: 'true' | 'false' | 'any' | undefined) {
  if (missing === 'true') return { missingSince: { $ne: null } };
  if (missing === 'any') return {};
  return { missingSince: null };
}

/** Changes go through enabled clouds only, as machine actions do. */
export function requireEnabled(cloud: CloudDoc): void {
  if (!cloud.enabled) throw new UnprocessableError(`Cloud ${cloud._id} is disabled: enable it first`);
}
