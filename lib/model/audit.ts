import { z } from 'zod';
import { NulFreeString, Timestamp } from './common.js';
import { listQuery, pageOf } from './list.js';

export const AuditEventView = z
  .object({
    id: z.string(),
    time: Timestamp,
    actor: z.object({
      type: z.enum(['token', 'system']),
      id: z.string(),
      name: z.string(),
    }),
    action: z.string().describe('e.g. cloud.create, machine.stop, machine.appeared'),
    resource: z.object({ type: z.string(), id: z.string(), name: z.string().optional() }),
    result: z.enum(['success', 'failure']),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    requestId: z.string().optional(),
    jobId: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEventView = z.infer<typeof AuditEventView>;

export const AuditQuery = listQuery(['time'], '-time').extend({
  resourceType: NulFreeString.max(32).optional(),
  resourceId: NulFreeString.max(64).optional(),
  actor: NulFreeString.max(64).optional().describe('A token id, or system:<name>'),
  action: NulFreeString.max(64).optional(),
  result: z.enum(['success', 'failure']).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
});

export const AuditPage = pageOf(AuditEventView, 'AuditEventPage');
