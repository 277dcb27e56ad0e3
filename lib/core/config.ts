/**
 * Runtime configuration, read once from the environment and validated, so a wrong deploy fails with a
 * clear message at cold start instead of a confusing error later.
 */
import { z } from 'zod';
import { ConfigurationError } from './errors.js';

/** How long a claimed job is its worker's: longer than any job takes, so only a dead worker's lease runs out. */
export const DEFAULT_JOB_LEASE_MS = 5 * 60_000;

const EnvSchema = z.object({
  /** A MongoDB connection string; wins over the secret. */
  MONGODB_URI: z.string().min(1).optional(),
  /** ARN of a Secrets Manager secret holding the connection string (deployed stacks). */
  MONGODB_URI_SECRET_ARN: z.string().min(1).optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, _ or -')
    .default('nimbo'),
  /** How long to wait for MongoDB before answering 503. */
  MONGODB_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  NIMBO_VERSION: z.string().default('0.1.0'),
  /** The job lease (jobs.ts); shorter only where a test or a demo wants a dead worker's job taken over soon. */
  NIMBO_JOB_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(DEFAULT_JOB_LEASE_MS),
});

export type NimboConfig = z.infer<typeof EnvSchema>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): NimboConfig {
  // An empty variable (`MONGODB_URI= npm start`) means unset, as in a shell.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
