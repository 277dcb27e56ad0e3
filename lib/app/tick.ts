/** What the one-minute tick does: find due work and queue it, and resend what was lost. */
import { refreshDueCalendars } from '../calendars/calendars.js';
import { runCostTasks } from '../costs/tick.js';
import { requeueUnpublishedEvents } from '../events/republish.js';
import { enqueueDuePolls } from '../inventory/due.js';
import type { JobDeps } from '../jobs/jobs.js';
import { resendStrandedJobs } from '../jobs/sweep.js';
import { enqueueDueProbes } from '../probes/tick.js';
import { fireDueRules } from '../rules/due.js';
import { claimDueSchedules } from '../schedules/runs.js';
import { announceUpcomingRuns } from '../schedules/upcoming.js';
import { enqueueDueDeliveries } from '../webhooks/deliver.js';

export interface TickCounts {
  pollsQueued: number;
  schedulesRun: number;
  probesQueued: number;
  jobsResent: number;
  deliveriesQueued: number;
  upcomingAnnounced: number;
  /** Events whose publication to the bus was queued again (lib/events/republish.ts). */
  eventsRequeued: number;
  /** Rule firings whose situation held for the rule's minutes (those that did not are dropped, and logged). */
  rulesFired: number;
  /** Calendar feeds read again at their daily refresh. */
  calendarsRefreshed: number;
  /** AWS price list regions handed to the worker (one at most per tick), and orgs whose daily cost snapshot was taken. */
  priceRegionsQueued: number;
  costSnapshots: number;
}

export async function runTick(deps: JobDeps): Promise<TickCounts> {
  const pollsQueued = await enqueueDuePolls(deps);
  const schedulesRun = await claimDueSchedules(deps);
  const probesQueued = await enqueueDueProbes(deps);
  const jobsResent = await resendStrandedJobs(deps);
  const { fired: rulesFired } = await fireDueRules(deps);
  const upcomingAnnounced = await announceUpcomingRuns(deps);
  const deliveriesQueued = await enqueueDueDeliveries(deps);
  const eventsRequeued = await requeueUnpublishedEvents(deps);
  const calendarsRefreshed = await refreshDueCalendars(deps);
  const costs = await runCostTasks(deps);
  return {
    pollsQueued,
    schedulesRun,
    probesQueued,
    jobsResent,
    rulesFired,
    deliveriesQueued,
    upcomingAnnounced,
    eventsRequeued,
    calendarsRefreshed,
    ...costs,
  };
}
