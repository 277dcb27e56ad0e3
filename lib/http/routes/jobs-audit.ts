import { z } from 'zod';
import { listAudit } from '../../audit/audit.js';
import { getJob } from '../../jobs/jobs.js';
import { listJobs } from '../../jobs/list.js';
import { AuditPage, AuditQuery } from '../../model/audit.js';
import { JobId, JobListQuery, JobPage, JobView } from '../../model/job.js';
import { defineRoute } from '../route.js';

export const getJobs = defineRoute({
  method: 'GET',
  path: '/v1/jobs',
  operationId: 'listJobs',
  summary: "The org's jobs, newest first: filter by status, type and the resource acted on",
  tag: 'jobs',
  auth: 'viewer',
  query: JobListQuery,
  responses: { 200: { description: 'A page of jobs', schema: JobPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listJobs(await deps(), actor.orgId, query),
  }),
});

export const getJobRoute = defineRoute({
  method: 'GET',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  summary: 'A job: queued, running, succeeded (with its result) or failed (with its error)',
  tag: 'jobs',
  auth: 'viewer',
  params: z.strictObject({ id: JobId }),
  responses: { 200: { description: 'The job', schema: JobView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getJob(await deps(), actor.orgId, params.id),
  }),
});

export const getAudit = defineRoute({
  method: 'GET',
  path: '/v1/audit',
  operationId: 'listAuditEvents',
  summary: 'The audit trail, newest first: filter by resource, actor, action, result and time',
  tag: 'audit',
  auth: 'viewer',
  query: AuditQuery,
  responses: { 200: { description: 'A page of audit events', schema: AuditPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listAudit(await deps(), actor.orgId, query),
  }),
});
