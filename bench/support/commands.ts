/**
 * The SQS half of `npm run bench -- tick`: 10,000 SQS-shaped commands (a reboot of one running machine
 * each, round robin over them, each with its own request id) through the real worker handler, from the local (database-backed) commands queue, with transient failures
 * injected into 10% of deliveries: half before anything is done (the database unreachable), half after
 * the jobs are saved but before they are queued (SQS unavailable), the worst place for a duplicate.
 * Then the jobs the commands queued run through the worker too. Checked: every command completed, its one
 * job rebooted its machine exactly once (one successful machine.reboot audit event per job), nothing in
 * the dead-letter queue.
 */
import type { Db } from 'mongodb';
import { createWorkerHandler } from '../../functions/worker.js';
import { createToken } from '../../lib/auth/tokens.js';
import type { CommandDeps } from '../../lib/commands/commands.js';
import { DatabaseUnavailableError } from '../../lib/core/errors.js';
import { idempotencyCollection } from '../../lib/messages/idempotency-store.js';
import type { MessageQueue } from '../../lib/messages/queue.js';
import type { TokenActor } from '../../lib/model/actor.js';
import { LocalDeadLetterQueue } from '../../local/runtime/dead-letters.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { fmt, mb, printTable, type rssSampler, timed } from './report.js';

export interface CommandsBenchResult {
  pass: boolean;
}

/** A deterministic pseudo-random sequence, so two runs inject the same failures. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function benchCommands(
  db: Db,
  owner: TokenActor,
  opts: { count: number; failureRate: number; rss: ReturnType<typeof rssSampler> },
): Promise<CommandsBenchResult> {
  const { token } = await createToken({ db, now: () => new Date() }, owner, {
    name: 'bench-sender',
    role: 'operator',
  });
  const random = seeded(42);
  const injected = { beforeWork: 0, afterSave: 0 };
  let failNextSend = false;
  const deadLetters = new LocalDeadLetterQueue('bench-commands-dlq', () => db);

  const flakyJobs = (inner: MessageQueue): MessageQueue => ({
    send: (m) => inner.send(m),
    sendBatch: async (ms) => {
      if (failNextSend) {
        failNextSend = false;
        injected.afterSave++;
        throw new Error('SQS: service unavailable (injected)');
      }
      await inner.sendBatch(ms);
    },
  });
  const arn = 'arn:aws:sqs:local:000000000000:bench-commands';
  const deps = (): CommandDeps => ({ db, now: () => new Date(), queue: flakyJobs(jobs), deadLetters });
  const worker = createWorkerHandler(
    async () => {
      const roll = random();
      if (roll < opts.failureRate / 2) {
        injected.beforeWork++;
        throw new DatabaseUnavailableError('The database is unavailable (injected)');
      }
      // Decided per delivery, used by this delivery's queueing of its job.
      if (roll < opts.failureRate) failNextSend = true;
      return deps();
    },
    { commandsQueueArn: arn },
  );
  const jobs: LocalSqsQueue = new LocalSqsQueue({
    name: 'bench-jobs',
    db: () => db,
    handler: worker,
    visibilityTimeoutMs: 0,
    maxReceiveCount: 10,
    deadLetterQueue: deadLetters,
  });
  const commands = new LocalSqsQueue({
    name: 'bench-commands',
    db: () => db,
    handler: worker,
    visibilityTimeoutMs: 0,
    // A message must fail ten times in a row to be lost to the DLQ: at 10% that is 1 in 10^10.
    maxReceiveCount: 10,
    deadLetterQueue: deadLetters,
  });

  const running = (
    await db
      .collection('machines')
      .find({ orgId: owner.orgId, state: 'running' }, { projection: { _id: 1 } })
      .toArray()
  ).map((m) => String(m._id));
  const targets = Array.from({ length: opts.count }, (_, i) => running[i % running.length]!);
  // Jobs wait until every command is in, so the two phases are timed apart (and a machine's second
  // command is decided on the same state as its first).
  await jobs.stop();
  const messages = targets.map((machineId, i) => ({
    body: JSON.stringify({
      version: 1,
      type: 'machine.action',
      action: 'reboot',
      target: { machineId },
      requestId: `bench-${i}`,
    }),
    attributes: { Authorization: `Bearer ${token}` },
  }));
  for (let i = 0; i < messages.length; i += 500) await commands.sendBatch(messages.slice(i, i + 500));
  opts.rss.phase();
  const accept = await timed(() => commands.drain());
  failNextSend = false;
  jobs.start();
  const act = await timed(async () => {
    // Only job deliveries from here: the same 10% of them fail before any work (worker deps).
    while ((await jobs.visibleDepth()) > 0) await jobs.drain();
  });

  const [completed, rebootsPerJob] = await Promise.all([
    idempotencyCollection(db).countDocuments({
      status: 'COMPLETED',
      'responseData.queued': 1,
      _id: { $regex: ':bench-' } as never,
    }),
    db
      .collection('audit')
      .aggregate<{ _id: number; n: number }>([
        { $match: { action: 'machine.reboot', result: 'success' } },
        { $group: { _id: '$jobId', n: { $sum: 1 } } },
        { $group: { _id: '$n', n: { $sum: 1 } } },
      ])
      .toArray(),
  ]);
  const onceEach = rebootsPerJob.length === 1 && rebootsPerJob[0]!._id === 1;
  const rebooted = rebootsPerJob.reduce((n, g) => n + g.n, 0);
  const deadLetterCount = (await deadLetters.list()).length;
  const pass =
    completed === targets.length && onceEach && rebooted === targets.length && deadLetterCount === 0;

  printTable(
    ['phase', 'messages', 'ms', 'per second', 'injected failures', 'peak RSS'],
    [
      [
        'commands accepted + jobs queued',
        fmt(targets.length),
        fmt(accept.ms),
        fmt((targets.length / accept.ms) * 1000),
        `${fmt(injected.beforeWork)} before work, ${fmt(injected.afterSave)} after saving jobs`,
        mb(opts.rss.peak()),
      ],
      [
        'jobs run (reboots)',
        fmt(rebooted),
        fmt(act.ms),
        fmt((rebooted / act.ms) * 1000),
        'same 5% before work',
        mb(opts.rss.peak()),
      ],
    ],
  );
  console.log(
    `\ncommands completed (one job queued each): ${fmt(completed)} of ${fmt(targets.length)}; ` +
      `reboots: ${fmt(rebooted)}, exactly one per command: ${onceEach ? 'yes' : `no (${JSON.stringify(rebootsPerJob)})`}; ` +
      `over ${fmt(running.length)} running machines; ` +
      `dead letters: ${deadLetterCount}`,
  );
  console.log(
    `end to end: ${fmt(targets.length)} commands in ${fmt(accept.ms + act.ms)} ms = ` +
      `${fmt((targets.length / (accept.ms + act.ms)) * 1000)} commands/s (one consumer per queue, batches of 10)`,
  );
  await jobs.stop();
  return { pass };
}
