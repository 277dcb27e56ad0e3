/**
 * The jobs pipeline for in-process tests: the same in-process SQS-like queue as local mode, delivering to
 * the real worker handler against the test file's database. Tests call `drain()` to run queued jobs.
 */
import type { Db } from 'mongodb';
import { createWorkerHandler } from '../../functions/worker.js';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import type { JobDeps } from '../../lib/services/jobs.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';

export function testJobs(getDb: () => Db, now: () => Date = () => new Date()) {
  const deps = (): JobDeps => ({ db: getDb(), now, queue });
  const queue: LocalSqsQueue = new LocalSqsQueue({
    name: 'test-jobs',
    handler: createWorkerHandler(async () => deps()),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
  });
  return { queue, deps, drain: () => queue.drain() };
}

/** Records what would go to SQS, for tests that feed the worker by hand (or only count what was queued). */
export function recordingQueue() {
  const sent: OutgoingMessage[] = [];
  const queue: MessageQueue = {
    send: async (m) => void sent.push(m),
    sendBatch: async (ms) => void sent.push(...ms),
  };
  return { sent, queue };
}
