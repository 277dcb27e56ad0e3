/**
 * The queues for in-process tests: the same SQS-like queues as local mode, kept in the test file's
 * database, delivering to the real worker handler. Tests call `drain()` to run what is queued.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { createWorkerHandler } from '../../functions/worker.js';
import type { CommandDeps } from '../../lib/commands/commands.js';
import type { JobDeps } from '../../lib/jobs/jobs.js';
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';
import { LocalDeadLetterQueue } from '../../local/runtime/dead-letters.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';

/** A queue name of its own, for each queue of a file (they share the file's database). */
const queueName = (what: string) => `test-${what}-${randomBytes(4).toString('hex')}`;

export function testJobs(getDb: () => Db, now: () => Date = () => new Date()) {
  const deps = (): JobDeps => ({ db: getDb(), now, queue });
  const queue: LocalSqsQueue = new LocalSqsQueue({
    name: queueName('jobs'),
    db: getDb,
    handler: createWorkerHandler(async () => deps()),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
  });
  return { queue, deps, drain: () => queue.drain() };
}

/**
 * The commands queue (with its dead-letter queue) and the jobs queue, both delivering to one worker, as
 * deployed. `wrapDeps` lets a test inject failures into what the worker uses.
 */
export function testCommands(
  getDb: () => Db,
  opts: { now?: () => Date; wrapDeps?: (deps: CommandDeps) => CommandDeps; maxReceiveCount?: number } = {},
) {
  const now = opts.now ?? (() => new Date());
  const deadLetters = new LocalDeadLetterQueue(queueName('commands-dlq'), getDb);
  const deps = (): CommandDeps => {
    const base: CommandDeps = { db: getDb(), now, queue: jobs, deadLetters };
    return opts.wrapDeps ? opts.wrapDeps(base) : base;
  };
  const jobs: LocalSqsQueue = new LocalSqsQueue({
    name: queueName('jobs'),
    db: getDb,
    handler: (event) => worker(event),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
  });
  const commands: LocalSqsQueue = new LocalSqsQueue({
    name: queueName('commands'),
    db: getDb,
    handler: (event) => worker(event),
    visibilityTimeoutMs: 0,
    maxReceiveCount: opts.maxReceiveCount ?? 3,
    deadLetterQueue: deadLetters,
  });
  const worker = createWorkerHandler(async () => deps(), { commandsQueueArn: commands.arn });
  return {
    commands,
    jobs,
    deadLetters,
    deps,
    /** Sends a command with an Authorization attribute (omitted when token is null). */
    send: (body: unknown, token: string | null) =>
      commands.send({
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(token !== null ? { attributes: { Authorization: `Bearer ${token}` } } : {}),
      }),
    /** Delivers commands, then the jobs they queued, until neither has a visible message (delayed follow-up polls wait). */
    async drain() {
      while ((await commands.visibleDepth()) > 0 || (await jobs.visibleDepth()) > 0) {
        await commands.drain();
        await jobs.drain();
      }
    },
  };
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
