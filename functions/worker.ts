/**
 * Lambda entry point for both queues (SQS): `jobs` (internal fan-out) and `commands` (other systems),
 * told apart by the record's source queue. Powertools' batch processor reports partial batch failures:
 * only the messages that must be retried go back to their queue, never their batch-mates.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { productionDeps } from '../lib/app/deps.js';
import { runJobMessage } from '../lib/app/job-runner.js';
import { type CommandDeps, handleCommand } from '../lib/commands/commands.js';
import type { DepsProvider } from '../lib/core/deps.js';
import { log } from '../lib/core/log.js';
import type { JobDeps } from '../lib/jobs/jobs.js';
import { JobMessage } from '../lib/messages/job-message.js';
import { jobsQueue } from '../lib/messages/queue.js';

export interface WorkerOptions {
  /** The commands queue's ARN (COMMANDS_QUEUE_ARN): its records are commands, all others jobs. */
  commandsQueueArn?: string;
  /** Extra dependencies of commands (tests and the local runtime give their dead-letter queue). */
  commandDeps?: Partial<CommandDeps>;
}

/** Thrown for a record that must be redelivered; the processor turns it into a batch item failure. */
class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/**
 * A job is started only with this much of the invocation left: the longest job (a script, 90 s at most)
 * must finish before Lambda stops the function, or it would be cut off mid-run.
 */
export const JOB_START_BUDGET_MS = 100_000;

async function processJobRecord(
  provideDeps: DepsProvider,
  record: SQSRecord,
  context: Context | undefined,
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
      ...(context ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
    };
    if (context && context.getRemainingTimeInMillis() < JOB_START_BUDGET_MS) {
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

async function processCommandRecord(
  provideDeps: DepsProvider,
  options: WorkerOptions,
  record: SQSRecord,
  context: Context | undefined,
): Promise<void> {
  const deps: CommandDeps = {
    ...(await provideDeps()),
    ...options.commandDeps,
    ...(context?.getRemainingTimeInMillis
      ? { remainingTimeMs: () => context.getRemainingTimeInMillis() }
      : {}),
  };
  try {
    await handleCommand(deps, {
      messageId: record.messageId,
      body: record.body,
      ...(record.messageAttributes?.Authorization?.stringValue
        ? { authorization: record.messageAttributes.Authorization.stringValue }
        : {}),
    });
  } catch (err) {
    log.warn('command left for redelivery', { messageId: record.messageId, error: err });
    throw new RetryLater('command left for redelivery', { cause: err });
  }
}

/** The processor's own messages through our structured log (it would write to the console). */
const batchLogger = {
  debug: (...args: unknown[]) => log.debug('batch processor', { detail: args.map(String).join(' ') }),
  warn: (...args: unknown[]) => log.warn('batch processor', { detail: args.map(String).join(' ') }),
  error: (...args: unknown[]) => log.error('batch processor', { detail: args.map(String).join(' ') }),
};

export function createWorkerHandler(provideDeps: DepsProvider, options: WorkerOptions = {}) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const commandsArn = options.commandsQueueArn ?? process.env.COMMANDS_QUEUE_ARN;
    const isCommands = commandsArn !== undefined && event.Records[0]?.eventSourceARN === commandsArn;
    // Commands of one batch are independent requests: side by side. Jobs run one after another, as a
    // batch of ten polls of large clouds side by side would not fit one function's memory.
    const processor = new BatchProcessor(EventType.SQS, { logger: batchLogger });
    const handle = isCommands
      ? (record: SQSRecord) => processCommandRecord(provideDeps, options, record, context)
      : (record: SQSRecord) => processJobRecord(provideDeps, record, context);
    return processPartialResponse(event, handle, processor, {
      throwOnFullBatchFailure: false,
      processInParallel: isCommands,
      ...(context ? { context } : {}),
    });
  };
}

export const handler = createWorkerHandler(productionDeps);
