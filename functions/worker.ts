/**
 * Lambda entry point for both queues (SQS): `jobs` (internal fan-out) and `commands` (other systems),
 * told apart by the record's source queue. Powertools' batch processor reports partial batch failures:
 * only the messages that must be retried go back to their queue, never their batch-mates.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { productionDeps } from '../lib/app/deps.js';
import {
  batchLogger,
  processCommandMessage,
  processJobMessage,
  type WorkerOptions,
} from '../lib/app/worker.js';
import type { DepsProvider } from '../lib/core/deps.js';

export function createWorkerHandler(provideDeps: DepsProvider, options: WorkerOptions = {}) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const commandsArn = options.commandsQueueArn ?? process.env.COMMANDS_QUEUE_ARN;
    const isCommands = commandsArn !== undefined && event.Records[0]?.eventSourceARN === commandsArn;
    const invocation = context ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {};
    const message = (r: SQSRecord) => ({
      messageId: r.messageId,
      body: r.body,
      authorization: r.messageAttributes?.Authorization?.stringValue,
    });
    // Commands of one batch are independent requests: side by side. Jobs run one after another, as a
    // batch of ten polls of large clouds side by side would not fit one function's memory.
    const handle = isCommands
      ? (r: SQSRecord) => processCommandMessage(provideDeps, options, message(r), invocation)
      : (r: SQSRecord) => processJobMessage(provideDeps, message(r), invocation);
    return processPartialResponse(event, handle, new BatchProcessor(EventType.SQS, { logger: batchLogger }), {
      throwOnFullBatchFailure: false,
      processInParallel: isCommands,
      ...(context ? { context } : {}),
    });
  };
}

export const handler = createWorkerHandler(productionDeps);
