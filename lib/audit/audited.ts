/** Runs a provider-facing operation and audits it either way: success with details, or failure with the error. */

import type { ServiceDeps } from '../core/deps.js';
import { type AuditInput, recordAudit } from './audit.js';

export async function audited<T>(
  deps: ServiceDeps,
  input: Omit<AuditInput, 'error' | 'result'>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    const result = await work();
    await recordAudit(deps, input);
    return result;
  } catch (err) {
    await recordAudit(deps, { ...input, error: err });
    throw err;
  }
}
