/**
 * `npm start`: Nimbo on this machine, no AWS account needed.
 * Env: PORT (default 8787), NIMBO_DATA_DIR (default .nimbo/data), MONGODB_URI (use a real MongoDB instead),
 * NIMBO_QUEUE_VISIBILITY_TIMEOUT_MS (30000) and NIMBO_QUEUE_POLL_MS (250) for the local queues.
 */
import { resolve } from 'node:path';
import { ConfigurationError } from '../lib/core/errors.js';
import { startLocalRuntime } from './runtime/runtime.js';

/** A whole number of milliseconds from the environment, or undefined when unset. */
function millis(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < min) {
    throw new ConfigurationError(`${name} must be a whole number >= ${min}, got "${raw}"`);
  }
  return ms;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got "${process.env.PORT}"`);
  }
  const dataDir = resolve(process.env.NIMBO_DATA_DIR ?? '.nimbo/data');
  const visibility = millis('NIMBO_QUEUE_VISIBILITY_TIMEOUT_MS', 0);
  const poll = millis('NIMBO_QUEUE_POLL_MS', 10);
  const runtime = await startLocalRuntime({
    port,
    dataDir,
    mongoUri: process.env.MONGODB_URI || undefined,
    ...(visibility !== undefined ? { queueVisibilityTimeoutMs: visibility } : {}),
    ...(poll !== undefined ? { queuePollIntervalMs: poll } : {}),
  });
  const db = runtime.embedded ? `${runtime.mongoUri} (embedded, data in ${dataDir})` : 'MONGODB_URI';
  process.stdout.write(
    [
      'Nimbo local runtime',
      `  API       ${runtime.apiUrl}/v1   (try: curl ${runtime.apiUrl}/v1/health)`,
      `  database  ${db}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  if (runtime.bootstrap) {
    process.stdout.write(
      [
        `First start: created the org "${runtime.bootstrap.orgName}", a simulated cloud, and the owner token`,
        '(shown once, keep it):',
        `  ${runtime.bootstrap.token}`,
        `  curl -H "Authorization: Bearer ${runtime.bootstrap.token}" ${runtime.apiUrl}/v1/machines`,
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  const hint = e.code === 'EADDRINUSE' ? ' (another program uses this port: set PORT to another one)' : '';
  process.stderr.write(`Nimbo could not start: ${e.message}${hint}\n`);
  process.exit(1);
});
