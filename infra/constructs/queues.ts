/**
 * A work queue with its dead-letter queue, as every Nimbo queue is built: SQS-managed encryption, TLS
 * only, redrive after three receives, dead letters kept 14 days (the SQS maximum) for inspection.
 * The children are created in the caller's scope, so their logical IDs stay those of the caller.
 */
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Receives before a message goes to the dead-letter queue; the worker's retries of transient failures. */
export const MAX_RECEIVE_COUNT = 3;

export interface QueueWithDeadLetters {
  queue: Queue;
  deadLetters: Queue;
}

/** Creates `DeadLetters` and `Queue` in `scope`; `consumerTimeout` is the timeout of the consuming function. */
export function queueWithDeadLetters(scope: Construct, consumerTimeout: Duration): QueueWithDeadLetters {
  const deadLetters = new Queue(scope, 'DeadLetters', {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new Queue(scope, 'Queue', {
    // Six times the consumer's timeout, as AWS advises for Lambda event sources.
    visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  return { queue, deadLetters };
}

/** How the worker consumes a queue: batches of 10, and a failed record is retried alone (partial batch response). */
export function batchEventSource(queue: Queue): SqsEventSource {
  return new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true });
}
