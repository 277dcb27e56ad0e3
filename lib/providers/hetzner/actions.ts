/**
 * Hetzner answers a change with an action (running, then success or error): its effect is known only
 * once the action has finished, so mutations wait on it, reading GET /actions/{id} every actionPollMs.
 * An action still running at actionTimeoutMs is left to finish on its own (the next poll shows it).
 */
import { z } from 'zod';
import { ProviderError } from '../../core/errors.js';
import { DEFAULT_BACKOFF } from '../backoff.js';
import type { RestClient } from '../rest/client.js';
import type { HetznerDriverDeps } from './client.js';

export const ActionSchema = z.looseObject({
  id: z.number(),
  status: z.enum(['running', 'success', 'error']),
  command: z.string(),
  started: z.string(),
  finished: z.string().nullable().optional(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable().optional(),
});
export type HetznerAction = z.infer<typeof ActionSchema>;
export const ActionEnvelope = z.looseObject({ action: ActionSchema });

const DEFAULT_POLL_MS = 1000;
const DEFAULT_TIMEOUT_MS = 120_000;

/** The action's failure in Hetzner's words. */
export class HetznerActionError extends ProviderError {
  override readonly name = 'HetznerActionError';
}

export function actionFailed(action: HetznerAction, context: string): HetznerActionError {
  const why = action.error ? `${action.error.code}: ${action.error.message}` : 'no reason given';
  return new HetznerActionError(
    `${context}: Hetzner Cloud action ${action.command} ${action.id} failed (${why})`,
  );
}

export interface ActionWaiter {
  /** Until the action is no longer running (or the timeout); an action that failed throws. */
  wait(action: HetznerAction, context: string): Promise<HetznerAction>;
  /** Repeats `done` every poll interval until it holds or `timeoutMs` passed; answers whether it held. */
  until(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean>;
  read(id: number | string, context: string): Promise<HetznerAction>;
}

export function actionWaiter(rest: RestClient, deps: HetznerDriverDeps): ActionWaiter {
  const pollMs = deps.actionPollMs ?? DEFAULT_POLL_MS;
  const sleep = deps.sleep ?? DEFAULT_BACKOFF.sleep;
  // Polls are counted, not timed, so an injected sleep that returns at once still ends the wait.
  const polls = (timeoutMs: number) => Math.max(1, Math.ceil(timeoutMs / Math.max(pollMs, 1)));
  const read = async (id: number | string, context: string) =>
    (await rest.get({ path: `/actions/${id}`, schema: ActionEnvelope, context })).action;
  const until = async (done: () => Promise<boolean>, timeoutMs: number) => {
    for (let n = polls(timeoutMs); n > 0; n--) {
      if (await done()) return true;
      if (pollMs > 0) await sleep(pollMs);
    }
    return done();
  };
  return {
    read,
    until,
    async wait(action, context) {
      let current = action;
      await until(async () => {
        if (current.status !== 'running') return true;
        current = await read(current.id, context);
        return current.status !== 'running';
      }, deps.actionTimeoutMs ?? DEFAULT_TIMEOUT_MS);
      if (current.status === 'error') throw actionFailed(current, context);
      return current;
    },
  };
}
