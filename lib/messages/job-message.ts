/** The message on the jobs queue: just a pointer to the job document, which holds everything else. */
import { z } from 'zod';

export const JobMessage = z.strictObject({
  version: z.literal(1),
  jobId: z.string().min(1).max(64),
  orgId: z.string().min(1).max(64),
});
export type JobMessage = z.infer<typeof JobMessage>;
