/**
 * Lambda entry point for the jobs queue (SQS). Reports partial batch failures: only the messages whose
 * job must be retried go back to the queue; a malformed message is logged and dropped, never retried.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { log } from '../lib/log.js';
import { JobMessage } from '../lib/messages/job-message.js';
import { type DepsProvider, productionDeps } from '../lib/services/deps.js';
import { runJobMessage } from '../lib/services/job-runner.js';

export function createWorkerHandler(provideDeps: DepsProvider) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let message: JobMessage;
      try {
        message = JobMessage.parse(JSON.parse(record.body));
      } catch (err) {
        log.error('dropped a malformed job message', { messageId: record.messageId, error: err });
        continue;
      }
      try {
        if ((await runJobMessage(await provideDeps(), message)) === 'retry') {
          failures.push({ itemIdentifier: record.messageId });
        }
      } catch (err) {
        // The job could not even be claimed (database down): leave the message for redelivery.
        log.warn('job message left for redelivery', {
          messageId: record.messageId,
          jobId: message.jobId,
          error: err,
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

export const handler = createWorkerHandler(productionDeps);
