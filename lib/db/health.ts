/**
 * Health of a Nimbo deployment: can it reach its database, and how fast. The clock is injected so the
 * latency figure is testable.
 */
import { DatabaseUnavailableError } from '../core/errors.js';

export interface HealthReport {
  status: 'ok';
  version: string;
  database: { status: 'up'; latencyMs: number };
  time: string;
}

export interface HealthDeps {
  pingDatabase: () => Promise<void>;
  version: string;
  now?: () => Date;
  monotonicMs?: () => number;
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const now = deps.now ?? (() => new Date());
  const mono = deps.monotonicMs ?? (() => performance.now());
  const started = mono();
  try {
    await deps.pingDatabase();
  } catch (cause) {
    throw new DatabaseUnavailableError('The database is unavailable', {
      cause,
      details: { database: { status: 'down' } },
    });
  }
  return {
    status: 'ok',
    version: deps.version,
    database: { status: 'up', latencyMs: Math.round((mono() - started) * 10) / 10 },
    time: now().toISOString(),
  };
}
