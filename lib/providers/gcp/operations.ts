/**
 * Waiting on a Compute Engine operation, whatever its scope: a zone's, a region's (subnetworks) or the
 * project's global ones (networks, snapshots). GCE answers an insert or delete with an operation at
 * once; its effect, or its failure, is known only when the operation is DONE, so every mutation waits.
 */
import { ProviderError } from '../../core/errors.js';
import type { GceClients, GceOperation } from './client.js';
import { isDone, operationOutcome } from './client.js';
import { mapGcpError } from './errors.js';
import { lastSegment } from './mapping.js';
import type { GcpSession } from './session.js';

export interface OperationWaiter {
  project: string;
  /** Each wait blocks up to ~2 minutes at Google; after this many the operation counts as stuck. */
  maxWaits: number;
  /** Runs one wait call with the driver's backoff and error mapping. */
  call: <T>(context: string, fn: (gce: GceClients) => Promise<T>) => Promise<T>;
  waitOptions: { retry: null; timeout: number };
}

/** One `wait` of the operation's own scope: the operation's zone or region field says which. */
function waitOnce(w: OperationWaiter, op: GceOperation, context: string): Promise<GceOperation> {
  const operation = op.name ?? '';
  const project = w.project;
  return w.call(`${context} (waiting on ${operation})`, async (gce) => {
    if (op.zone) {
      const zone = lastSegment(op.zone);
      return (await gce.zoneOperations.wait({ project, zone, operation }, w.waitOptions))[0];
    }
    if (op.region) {
      const region = lastSegment(op.region);
      return (await gce.regionOperations.wait({ project, region, operation }, w.waitOptions))[0];
    }
    return (await gce.globalOperations.wait({ project, operation }, w.waitOptions))[0];
  }) as Promise<GceOperation>;
}

/**
 * What a mutating call returned (gax's LRO wrapper or the bare operation) waited on until DONE; a DONE
 * operation that carries an error throws it, unmapped (the caller's error mapping names the call).
 */
export async function awaitOperation(w: OperationWaiter, context: string, started: unknown): Promise<void> {
  let op = ((started as { latestResponse?: GceOperation })?.latestResponse ?? started) as GceOperation;
  let waits = 0;
  while (!isDone(op)) {
    if (waits++ >= w.maxWaits) throw new ProviderError(`${context}: operation ${op.name} still not done`);
    op = await waitOnce(w, op, context);
  }
  operationOutcome(op);
}

/** Start a mutation through the session, then wait on its operation; a failed operation is mapped with `context`. */
export async function mutateAndWait(
  s: GcpSession<GceClients>,
  context: string,
  fn: (gce: GceClients) => Promise<unknown[]>,
): Promise<void> {
  const [started] = await s.call(context, fn);
  const waiter: OperationWaiter = {
    project: s.project,
    maxWaits: s.maxWaits,
    waitOptions: s.waitOptions,
    call: (what, f) => s.call(what, f),
  };
  try {
    await awaitOperation(waiter, context, started);
  } catch (err) {
    throw mapGcpError(err, context, { secrets: s.secrets });
  }
}
