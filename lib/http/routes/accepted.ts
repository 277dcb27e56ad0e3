import type { JobDoc } from '../../db/documents.js';
import { toJobView } from '../../jobs/jobs.js';
import type { RouteReply } from '../route.js';

/** 202 with the job, and where to follow it. */
export function accepted(job: JobDoc): RouteReply {
  return {
    status: 202,
    body: { job: toJobView(job), links: { job: `/v1/jobs/${job._id}` } },
    headers: { location: `/v1/jobs/${job._id}` },
  };
}
