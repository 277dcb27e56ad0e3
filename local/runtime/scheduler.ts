/** Emulates an EventBridge rate rule: invokes a handler with a scheduled event every period. */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';

export function scheduledEvent(ruleName: string, at = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'local',
    resources: [`arn:aws:events:local:000000000000:rule/${ruleName}`],
    detail: {},
  };
}

export function startSchedule(opts: {
  ruleName: string;
  periodMs: number;
  handler: (event: ScheduledEvent) => Promise<unknown>;
  onError?: (err: unknown) => void;
  /** Run once right away too (a fresh start should not wait a minute to find due work). */
  runAtStart?: boolean;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const fire = () => {
    if (running) return; // a slow tick is not stacked on
    running = opts
      .handler(scheduledEvent(opts.ruleName))
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(fire, opts.periodMs);
  timer.unref();
  if (opts.runAtStart) setTimeout(fire, 1000).unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
