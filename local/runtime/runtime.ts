/**
 * The local runtime: the embedded database (unless MONGODB_URI points elsewhere), API Gateway in front
 * of functions/api, SQS-like jobs and commands queues (each with its DLQ, all kept in that database, so a
 * restart loses no message) in front of functions/worker, an EventBridge-like one-minute schedule for
 * functions/tick, and an in-process event bus in place of the stack's EventBridge bus (it logs each event
 * the worker publishes). The handlers are the deployed ones, unchanged.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { countOrgs, createOrg } from '../../lib/auth/orgs.js';
import { createCloud } from '../../lib/clouds/clouds.js';
import { DatabaseUnavailableError } from '../../lib/core/errors.js';
import { log } from '../../lib/core/log.js';
import { closeMongo, getMongo } from '../../lib/db/client.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { registerLocalBus, unregisterLocalBus } from '../../lib/messages/buses.js';
import { registerLocalQueue, unregisterLocalQueue } from '../../lib/messages/queue.js';
import { startMongoServer } from '../mongo/server.js';
import { startApiGateway } from './api-gateway.js';
import { dashboardHandler } from './dashboard.js';
import { LocalDeadLetterQueue } from './dead-letters.js';
import { LocalEventBus } from './event-bus.js';
import { localQueueEndpoints } from './local-endpoints.js';
import { startSchedule } from './scheduler.js';
import { LocalSqsQueue } from './sqs-queue.js';

export const LOCAL_JOBS_QUEUE_URL = 'local://jobs';
export const LOCAL_COMMANDS_DLQ_URL = 'local://commands-dlq';
export const LOCAL_EVENT_BUS_NAME = 'local://events';

/** What the runtime sets in the environment for the functions. */
const RUNTIME_ENV = [
  'MONGODB_URI',
  'MONGODB_DB',
  'JOBS_QUEUE_URL',
  'EVENT_BUS_NAME',
  'NIMBO_DATA_KEY_FILE',
  'COMMANDS_QUEUE_ARN',
  'COMMANDS_DLQ_URL',
] as const;

export interface LocalRuntimeOptions {
  host?: string;
  port?: number;
  /** Directory of the embedded database; ignored when mongoUri is given. */
  dataDir?: string;
  /** Use this MongoDB instead of starting the embedded one. */
  mongoUri?: string;
  /** Database name (MONGODB_DB). */
  dbName?: string;
  /** Period of the tick schedule (EventBridge rule); one minute by default. */
  tickPeriodMs?: number;
  /** The queues' visibility timeout: how long a received message (its receiver dead) waits to come again; 30 s. */
  queueVisibilityTimeoutMs?: number;
  /** How often the queues look for visible messages; 250 ms. */
  queuePollIntervalMs?: number;
  /** Serve the dashboard at / (built from web/ on start); true by default. */
  dashboard?: boolean;
}

export interface LocalRuntime {
  apiUrl: string;
  mongoUri: string;
  embedded: boolean;
  jobs: LocalSqsQueue;
  /** Where job messages received three times end up. */
  jobDeadLetters: LocalDeadLetterQueue;
  /** The commands queue other systems send to (locally: POST /_local/queues/commands, or `npm run send`). */
  commands: LocalSqsQueue;
  /** Where rejected commands, and commands that failed three times, end up. */
  commandDeadLetters: LocalDeadLetterQueue;
  /** Where the worker publishes recorded events (EVENT_BUS_NAME), as it would to the stack's EventBridge bus. */
  eventBus: LocalEventBus;
  /** What the first start created; absent on later starts (the token is shown once). */
  bootstrap?: { orgId: string; orgName: string; token: string; cloudId: string };
  stop(): Promise<void>;
}

export async function startLocalRuntime(opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const stack: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stack.reverse())
      await stop().catch((err: unknown) => log.error('stop failed', { error: err }));
  };
  try {
    let mongoUri = opts.mongoUri;
    if (!mongoUri) {
      if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
      const db = await startMongoServer({ host: '127.0.0.1', port: 0, dbpath: opts.dataDir });
      mongoUri = db.uri;
      stack.push(() => db.close());
    }
    // The functions read their configuration from the environment, exactly as in Lambda. Stopping puts
    // it back as it was, so a process that runs the runtime (a test, a bench) is left as it found it.
    const saved = Object.fromEntries(RUNTIME_ENV.map((k) => [k, process.env[k]]));
    stack.push(async () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    process.env.MONGODB_URI = mongoUri;
    if (opts.dbName) process.env.MONGODB_DB = opts.dbName;
    process.env.JOBS_QUEUE_URL = LOCAL_JOBS_QUEUE_URL;
    process.env.EVENT_BUS_NAME = LOCAL_EVENT_BUS_NAME;
    if (!process.env.NIMBO_DATA_KEY && !process.env.NIMBO_DATA_KEY_FILE) {
      const base = opts.dataDir ? dirname(opts.dataDir) : join(process.cwd(), '.nimbo');
      process.env.NIMBO_DATA_KEY_FILE = join(base, 'data-key');
    }
    stack.push(() => closeMongo());

    const [{ handler: api }, { handler: worker }, { handler: tick }] = await Promise.all([
      import('../../functions/api.js'),
      import('../../functions/worker.js'),
      import('../../functions/tick.js'),
    ]);

    // The queues keep their messages in the functions' own database, through the same shared connection.
    const db = async () => (await getMongo()).db;
    const queueOptions = {
      db,
      handler: worker,
      visibilityTimeoutMs: opts.queueVisibilityTimeoutMs ?? 30_000,
      maxReceiveCount: 3,
      pollIntervalMs: opts.queuePollIntervalMs ?? 250,
      onHandlerError: (err: unknown) => log.error('local queue delivery failed', { error: err }),
    };
    // Before the jobs queue starts: a publish job left from the last run finds the bus.
    const eventBus = new LocalEventBus(LOCAL_EVENT_BUS_NAME);
    registerLocalBus(LOCAL_EVENT_BUS_NAME, eventBus);
    stack.push(async () => unregisterLocalBus(LOCAL_EVENT_BUS_NAME));

    const jobDeadLetters = new LocalDeadLetterQueue('nimbo-jobs-dlq', db, (m) =>
      log.error('job message moved to the dead-letter queue', { id: m.id, body: m.body, from: m.from }),
    );
    const jobs = new LocalSqsQueue({ ...queueOptions, name: 'nimbo-jobs', deadLetterQueue: jobDeadLetters });
    registerLocalQueue(LOCAL_JOBS_QUEUE_URL, jobs);
    jobs.start();
    stack.push(async () => {
      await jobs.stop();
      unregisterLocalQueue(LOCAL_JOBS_QUEUE_URL);
    });

    const commandDeadLetters = new LocalDeadLetterQueue('nimbo-commands-dlq', db, (m) =>
      log.error('command moved to the dead-letter queue', { attributes: m.attributes }),
    );
    const commands = new LocalSqsQueue({
      ...queueOptions,
      name: 'nimbo-commands',
      deadLetterQueue: commandDeadLetters,
    });
    process.env.COMMANDS_QUEUE_ARN = commands.arn;
    process.env.COMMANDS_DLQ_URL = LOCAL_COMMANDS_DLQ_URL;
    registerLocalQueue(LOCAL_COMMANDS_DLQ_URL, commandDeadLetters);
    commands.start();
    stack.push(async () => {
      await commands.stop();
      unregisterLocalQueue(LOCAL_COMMANDS_DLQ_URL);
    });

    let bootstrap: LocalRuntime['bootstrap'];
    try {
      bootstrap = await bootstrapFirstStart();
    } catch (err) {
      // An unreachable MONGODB_URI must not stop the API from starting: it answers 503 until the database is back.
      if (!(err instanceof DatabaseUnavailableError)) throw err;
      log.warn('the database is unavailable: skipped the first-start bootstrap', { error: err });
    }

    const schedule = startSchedule({
      ruleName: 'nimbo-tick',
      periodMs: opts.tickPeriodMs ?? 60_000,
      handler: tick,
      onError: (err) => log.error('tick function failed', { error: err }),
    });
    stack.push(() => schedule.stop());

    const staticFiles = opts.dashboard === false ? undefined : await dashboardHandler();
    const gateway = await startApiGateway({
      handler: api,
      ...(staticFiles ? { staticFiles } : {}),
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8787,
      functionName: 'api',
      local: localQueueEndpoints(commands, commandDeadLetters),
      onError: (err) => log.error('api function failed', { error: err }),
    });
    stack.push(() => gateway.close());

    return {
      apiUrl: gateway.url,
      mongoUri,
      embedded: !opts.mongoUri,
      jobs,
      jobDeadLetters,
      commands,
      commandDeadLetters,
      eventBus,
      ...(bootstrap ? { bootstrap } : {}),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * On an empty database: an org named "local", its owner token and a simulated cloud, so a newcomer can
 * list machines and act on them at once.
 */
async function bootstrapFirstStart(): Promise<LocalRuntime['bootstrap']> {
  const { db } = await getMongo();
  await ensureIndexes(db);
  const deps = { db, now: () => new Date() };
  if ((await countOrgs(deps)) > 0) return undefined;
  const { org, token, tokenView } = await createOrg(deps, { name: 'local', creator: 'local-runtime' });
  const actor = {
    type: 'token' as const,
    orgId: org._id,
    tokenId: tokenView.id,
    name: tokenView.name,
    role: 'owner' as const,
  };
  const { cloud } = await createCloud(
    deps,
    actor,
    {
      provider: 'sim',
      name: 'sim (simulated cloud)',
      pollIntervalMinutes: 5,
      settings: {
        machines: 20,
        seed: 1,
        transitionMs: 3_000,
        latencyMs: 0,
        faults: { auth: false, throttleRate: 0, timeoutRate: 0 },
      },
    },
    'local-bootstrap',
  );
  return { orgId: org._id, orgName: org.name, token, cloudId: cloud.id };
}
