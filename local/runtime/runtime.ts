/**
 * The local runtime: the embedded database (unless MONGODB_URI points elsewhere) and the API Gateway
 * emulation in front of functions/api. Later, the EventBridge timer and the SQS queue join here.
 */
import { mkdirSync } from 'node:fs';
import { closeMongo, getMongo } from '../../lib/db/client.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { DatabaseUnavailableError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import { countOrgs, createOrg } from '../../lib/services/orgs.js';
import { startMongoServer } from '../mongo/server.js';
import { startApiGateway } from './api-gateway.js';

export interface LocalRuntimeOptions {
  host?: string;
  port?: number;
  /** Directory of the embedded database; ignored when mongoUri is given. */
  dataDir?: string;
  /** Use this MongoDB instead of starting the embedded one. */
  mongoUri?: string;
  /** Database name (MONGODB_DB). */
  dbName?: string;
}

export interface LocalRuntime {
  apiUrl: string;
  mongoUri: string;
  embedded: boolean;
  /** The owner token of the org created on first start; absent on later starts (it is shown once). */
  bootstrap?: { orgId: string; orgName: string; token: string };
  stop(): Promise<void>;
}

export async function startLocalRuntime(opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  let stopDatabase = async () => {};
  let mongoUri = opts.mongoUri;
  if (!mongoUri) {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const db = await startMongoServer({ host: '127.0.0.1', port: 0, dbpath: opts.dataDir });
    mongoUri = db.uri;
    stopDatabase = () => db.close();
  }
  // The functions read their configuration from the environment, exactly as in Lambda.
  process.env.MONGODB_URI = mongoUri;
  if (opts.dbName) process.env.MONGODB_DB = opts.dbName;

  let bootstrap: LocalRuntime['bootstrap'];
  try {
    bootstrap = await bootstrapFirstStart();
  } catch (err) {
    // An unreachable MONGODB_URI must not stop the API from starting: it answers 503 until the database is back.
    if (!(err instanceof DatabaseUnavailableError)) {
      await closeMongo();
      await stopDatabase();
      throw err;
    }
    log.warn('the database is unavailable: skipped the first-start bootstrap', { error: err });
  }

  const { handler } = await import('../../functions/api.js');
  let gateway: Awaited<ReturnType<typeof startApiGateway>>;
  try {
    gateway = await startApiGateway({
      handler,
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8787,
      functionName: 'api',
      onError: (err) => log.error('api function failed', { error: err }),
    });
  } catch (err) {
    await stopDatabase();
    throw err;
  }
  return {
    apiUrl: gateway.url,
    mongoUri: process.env.MONGODB_URI ?? mongoUri,
    embedded: !opts.mongoUri,
    ...(bootstrap ? { bootstrap } : {}),
    stop: async () => {
      await gateway.close();
      await closeMongo();
      await stopDatabase();
    },
  };
}

/** On an empty database: an org named "local" and its owner token, so a newcomer can call the API at once. */
async function bootstrapFirstStart(): Promise<LocalRuntime['bootstrap']> {
  const { db } = await getMongo();
  await ensureIndexes(db);
  const deps = { db, now: () => new Date() };
  if ((await countOrgs(deps)) > 0) return undefined;
  const { org, token } = await createOrg(deps, { name: 'local', creator: 'local-runtime' });
  return { orgId: org._id, orgName: org.name, token };
}
