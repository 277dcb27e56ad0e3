import { z } from 'zod';
import { idSchema, NulFreeString, Timestamp } from './common.js';
import { listQuery, pageOf } from './list.js';

export const JOB_TYPES = [
  'cloud.poll',
  'machine.action',
  'machine.create',
  'machine.snapshot',
  'machine.probe',
  'key.associate',
  'key.disassociate',
  'script.run',
  'dns.sync',
  'webhook.deliver',
  'events.publish',
  'rule.evaluate',
  'prices.refresh',
] as const;
export type JobType = (typeof JOB_TYPES)[number];
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JobId = idSchema('job');

export const JobView = z
  .object({
    id: JobId,
    type: z.enum(JOB_TYPES),
    status: z.enum(JOB_STATUSES),
    resource: z.object({ type: z.string(), id: z.string() }),
    input: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: z.number().int(),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'Job' });
export type JobView = z.infer<typeof JobView>;

export const JobAccepted = z
  .object({ job: JobView, links: z.object({ job: z.string().describe('GET this to follow the job') }) })
  .meta({ id: 'JobAccepted' });

/**
 * The jobs that carry events out (deliveries, publishing, rule matching): one per event or delivery, so
 * a list shows them only when asked for by type.
 */
export const EVENT_JOB_TYPES: readonly JobType[] = ['webhook.deliver', 'events.publish', 'rule.evaluate'];

export const JobListQuery = listQuery(['createdAt'], '-createdAt')
  .omit({ q: true })
  .extend({
    status: z.enum(JOB_STATUSES).optional(),
    type: z
      .enum(JOB_TYPES)
      .optional()
      .describe(`Only this type; without it, every type but ${EVENT_JOB_TYPES.join(', ')}`),
    resourceId: NulFreeString.min(1)
      .max(64)
      .optional()
      .describe('Jobs acting on this resource (a machine, a cloud...)'),
  });
export const JobPage = pageOf(JobView, 'JobPage');
