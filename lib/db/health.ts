/**
 * Health of a Nimbo deployment: can it reach its database, and how fast. The clock is injected so the
 * latency figure is testable.
 */

import type { z } from 'zod';
import type { NimboConfig } from '../core/config.js';
import { DatabaseUnavailableError } from '../core/errors.js';
import type { HealthReportSchema } from '../model/health.js';
import { getMongo } from './client.js';

/** The reply of GET /v1/health, as its schema describes it. */
export type HealthReport = z.infer<typeof HealthReportSchema>;

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

/** The configured database, pinged within its timeout. */
export async function pingDatabase(config: NimboConfig): Promise<void> {
  const { db } = await getMongo(config);
  await db.command({ ping: 1 }, { timeoutMS: config.MONGODB_TIMEOUT_MS });
}
