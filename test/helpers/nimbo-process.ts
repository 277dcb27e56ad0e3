/**
 * `npm start` as a child process, as a newcomer runs it: a data directory, the API on loopback (a free
 * port), the embedded database. For the end-to-end tests that stop, kill and start it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface StartedNimbo {
  child: ChildProcess;
  apiUrl: string;
  mongoUri: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
}

/** Starts `local/start.ts` on `dataDir`; `env` adds to (or overrides) the test's environment. */
export function startNimbo(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<StartedNimbo> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    NIMBO_DATA_DIR: dataDir,
    NIMBO_LOG_LEVEL: 'warn',
    ...env,
  };
  delete childEnv.MONGODB_URI;
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { cwd: root, env: childEnv });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no API URL printed in time:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const db = /database\s+(mongodb:\/\/\S+)/.exec(out);
      if (api && db) {
        clearTimeout(timer);
        resolve({ child, apiUrl: api[1]!, mongoUri: db[1]!, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

/** Sends `signal` and answers the exit code (null when the signal ended it, as SIGKILL does). */
export function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode);
      return;
    }
    child.on('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
