/**
 * What the worker does with one queue message, whichever queue and whatever delivered it (Lambda's SQS
 * event source, or the local runtime's queue): `jobs` messages run a job, `commands` messages are commands
 * from other systems. A message that must come again is thrown as RetryLater; anything else returns.
 */

import { type CommandDeps, handleCommand } from '../commands/commands.js';
import type { DepsProvider } from '../core/deps.js';
import { log } from '../core/log.js';
import type { JobDeps } from '../jobs/jobs.js';
import { JobMessage } from '../messages/job-message.js';
import { jobsQueue } from '../messages/queue.js';
import { runJobMessage } from './job-runner.js';

/** A queue message as the worker reads it: its id, its body and the sender's Authorization attribute. */
export interface QueueMessage {
  messageId: string;
  body: string;
  authorization?: string;
}

/** The invocation a message runs in: how long it has left, when the runtime says. */
export interface Invocation {
  remainingTimeMs?: () => number;
}

export interface WorkerOptions {
  /** The commands queue's ARN (COMMANDS_QUEUE_ARN): its records are commands, all others jobs. */
  commandsQueueArn?: string;
  /** Extra dependencies of commands (tests and the local runtime give their dead-letter queue). */
  commandDeps?: Partial<CommandDeps>;
}

/** Thrown for a message that must be redelivered; the batch processor turns it into a batch item failure. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/**
 * A job is started only with this much of the invocation left: the longest job (a script, 90 s at most)
 * must finish before Lambda stops the function, or it would be cut off mid-run.
 */
export const JOB_START_BUDGET_MS = 100_000;

export async function processJobMessage(
  provideDeps: DepsProvider,
  record: QueueMessage,
  invocation: Invocation,
): Promise<void> {
  let message: JobMessage;
  try {
    message = JobMessage.parse(JSON.parse(record.body));
  } catch (err) {
    // Nothing can ever run it: dropped (and logged), never retried.
    log.error('dropped a malformed job message', { messageId: record.messageId, error: err });
    return;
  }
  let outcome: 'done' | 'retry';
  try {
    const deps: JobDeps = {
      ...(await provideDeps()),
      ...(invocation.remainingTimeMs ? { remainingTimeMs: invocation.remainingTimeMs } : {}),
    };
    if (invocation.remainingTimeMs && invocation.remainingTimeMs() < JOB_START_BUDGET_MS) {
      // Too late in this invocation to start it: sent again as a new message, so another invocation takes
      // it at once (leaving it to redelivery would wait for the queue's visibility timeout).
      await (deps.queue ?? jobsQueue()).send({ body: record.body });
      return;
    }
    outcome = await runJobMessage(deps, message);
  } catch (err) {
    // The job could not even be claimed (database down): leave the message for redelivery.
    log.warn('job message left for redelivery', {
      messageId: record.messageId,
      jobId: message.jobId,
      error: err,
    });
    throw new RetryLater('job left for redelivery', { cause: err });
  }
  if (outcome === 'retry') throw new RetryLater(`job ${message.jobId} will be retried`);
}

export async function processCommandMessage(
  provideDeps: DepsProvider,
  options: WorkerOptions,
  record: QueueMessage,
  invocation: Invocation,
): Promise<void> {
  const deps: CommandDeps = {
    ...(await provideDeps()),
    ...options.commandDeps,
    ...(invocation.remainingTimeMs ? { remainingTimeMs: invocation.remainingTimeMs } : {}),
  };
  try {
    await handleCommand(deps, {
      messageId: record.messageId,
      body: record.body,
      ...(record.authorization ? { authorization: record.authorization } : {}),
    });
  } catch (err) {
    log.warn('command left for redelivery', { messageId: record.messageId, error: err });
    throw new RetryLater('command left for redelivery', { cause: err });
  }
}

/** The batch processor's own messages through our structured log (it would write to the console). */
export const batchLogger = {
  debug: (...args: unknown[]) => log.debug('batch processor', { detail: args.map(String).join(' ') }),
  warn: (...args: unknown[]) => log.warn('batch processor', { detail: args.map(String).join(' ') }),
  error: (...args: unknown[]) => log.error('batch processor', { detail: args.map(String).join(' ') }),
};
