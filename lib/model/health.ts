import { z } from 'zod';

export const HealthReportSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    database: z.object({ status: z.literal('up'), latencyMs: z.number() }),
    time: z.string(),
  })
  .meta({ id: 'HealthReport' });
