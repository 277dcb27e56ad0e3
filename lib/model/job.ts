import { z } from 'zod';
import { idSchema, Timestamp } from './common.js';

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
