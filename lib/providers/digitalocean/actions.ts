/**
 * Droplet actions (POST /droplets/{id}/actions) and the wait for them on GET /actions/{id}: DigitalOcean
 * answers an action at once, in-progress, and finishes it later. An action that ends errored fails with
 * what DigitalOcean said of it; one still running when the wait is over is left to finish (it was
 * accepted: the next poll of the inventory shows its outcome).
 */
import { ProviderError } from '../../core/errors.js';
import type { MachineRef } from '../compute.js';
import { type DigitalOceanSetup, SERVICE } from './client.js';
import { type Action, ActionAnswer } from './schemas.js';

export type DropletAction =
  | { type: 'power_on' | 'shutdown' | 'power_off' | 'reboot' | 'power_cycle' }
  | { type: 'resize'; size: string; disk: boolean }
  | { type: 'rename'; name: string }
  | { type: 'snapshot'; name: string }
  | { type: 'rebuild'; image: number | string };

/** An action that ended errored: DigitalOcean keeps no reason on the action, only that it failed. */
export class ActionErroredError extends ProviderError {
  override readonly name = 'ActionErroredError';
  constructor(
    message: string,
    readonly action: Action,
  ) {
    super(message);
  }
}

export function describeDroplet(machine: MachineRef): string {
  return `droplet ${machine.externalId} in ${machine.region}`;
}

/** Starts the action; answers it as DigitalOcean reports it when first asked. */
export async function startAction(
  setup: DigitalOceanSetup,
  machine: MachineRef,
  action: DropletAction,
): Promise<Action> {
  const answer = await setup.rest.post({
    path: `/droplets/${encodeURIComponent(machine.externalId)}/actions`,
    body: action,
    schema: ActionAnswer,
    context: `${action.type} ${describeDroplet(machine)}`,
  });
  return answer.action;
}

/**
 * Polls the action until it is completed or errored, or the wait is over (then answers it in-progress).
 * An errored action throws ActionErroredError.
 */
export async function waitForAction(
  setup: DigitalOceanSetup,
  action: Action,
  context: string,
): Promise<Action> {
  const deadline = setup.now().getTime() + setup.actionTimeoutMs;
  // A clock that does not move (tests) must not keep us polling for ever.
  const maxPolls = setup.actionPollMs > 0 ? Math.ceil(setup.actionTimeoutMs / setup.actionPollMs) : 100;
  let current = action;
  for (let polls = 0; ; polls++) {
    if (current.status === 'completed') return current;
    if (current.status === 'errored') {
      throw new ActionErroredError(
        `${context}: ${SERVICE} action ${current.id} (${current.type}) ended errored`,
        current,
      );
    }
    if (polls >= maxPolls || setup.now().getTime() >= deadline) return current;
    if (setup.actionPollMs > 0) await setup.sleep(setup.actionPollMs);
    current = (await setup.rest.get({ path: `/actions/${current.id}`, schema: ActionAnswer, context }))
      .action;
  }
}

/** Starts the action and waits for it. */
export async function runAction(
  setup: DigitalOceanSetup,
  machine: MachineRef,
  action: DropletAction,
): Promise<Action> {
  const started = await startAction(setup, machine, action);
  return waitForAction(setup, started, `${action.type} ${describeDroplet(machine)}`);
}
