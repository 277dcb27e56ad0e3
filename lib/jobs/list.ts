/** The org's jobs, newest first: what ran, what runs, what failed and why. */
import type { Filter } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import { collections } from '../db/collections.js';
import type { JobDoc } from '../db/documents.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { EVENT_JOB_TYPES, type JobStatus, type JobType, type JobView } from '../model/job.js';
import { toJobView } from './jobs.js';

export interface JobListFilter {
  status?: JobStatus | undefined;
  type?: JobType | undefined;
  resourceId?: string | undefined;
}

export async function listJobs(
  deps: ServiceDeps,
  orgId: string,
  query: JobListFilter & PageRequest,
): Promise<Page<JobView>> {
  const filter: Filter<JobDoc> = { orgId };
  if (query.status) filter.status = query.status;
  filter.type = query.type ?? { $nin: [...EVENT_JOB_TYPES] };
  if (query.resourceId) filter['resource.id'] = query.resourceId;
  const page = await findPage(collections(deps.db).jobs, filter, query);
  return { items: page.items.map(toJobView), nextCursor: page.nextCursor };
}
