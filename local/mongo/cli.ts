/**
 * `npm run db`: runs the embedded MongoDB-compatible server in the foreground.
 *   --port <n>     0 (default) picks a free port
 *   --host <addr>  default 127.0.0.1 (loopback only)
 *   --dbpath <dir> persist under this directory (created if missing); default: in memory
 *   --inMemory     explicit in-memory mode
 * Prints exactly one line with the URI once listening; other tools parse /mongodb:\/\/\S+/ from it.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startMongoServer } from './server.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      dbpath: { type: 'string' },
      inMemory: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  if (values.dbpath && values.inMemory) throw new Error('--dbpath and --inMemory are mutually exclusive');
  const dbpath = values.dbpath ? resolve(values.dbpath) : undefined;
  if (dbpath) mkdirSync(dbpath, { recursive: true });

  const server = await startMongoServer({
    host: values.host,
    port,
    dbpath,
    log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  process.stdout.write(
    `Embedded MongoDB listening at ${server.uri} (${dbpath ? `dbpath: ${dbpath}` : 'in memory'})\n`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while closing after ${signal}: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
