/**
 * Events Nimbo tells others about: versioned JSON, one envelope for every type, delivered to webhooks
 * (Standard Webhooks: {type, timestamp, data}) and to the stack's EventBridge bus. The same schemas
 * validate every event before it leaves and are published as JSON Schema (schemas/event.v1.schema.json).
 * An event names its org, the resources' ids and the time; it never carries a secret, a credential or a
 * script's output.
 */
import { z } from 'zod';
import { PROVIDERS } from '../../providers/capabilities.js';
import { MACHINE_STATES } from '../../providers/compute.js';
import { idSchema, Timestamp } from '../common.js';

export const EventId = idSchema('event');

const Id = z.string().min(1).max(64);
const MachineState = z.enum(MACHINE_STATES);
const ProblemRef = z
  .object({ code: z.string(), message: z.string() })
  .describe('What went wrong: a stable code and the words an operator reads');

/** The machine an event is about, as the inventory knows it. */
const MachineRef = z.strictObject({
  machineId: Id,
  cloudId: Id,
  provider: z.enum(PROVIDERS),
  externalId: z.string(),
  name: z.string(),
  region: z.string(),
});

/** The machine events, in the order they are listed: what a rule (lib/rules) can watch for. */
export const MACHINE_EVENT_TYPES = [
  'machine.created',
  'machine.state_changed',
  'machine.missing',
  'machine.unreachable',
  'machine.reachable',
] as const;
export type MachineEventType = (typeof MACHINE_EVENT_TYPES)[number];

const CloudRef = z.strictObject({ cloudId: Id, name: z.string(), provider: z.enum(PROVIDERS) });

/** Per event type, its `data`. */
export const EVENT_DATA = {
  'machine.created': MachineRef.extend({ state: MachineState }).describe(
    'A machine appeared in a cloud: created through Nimbo, or first seen by a poll',
  ),
  'machine.state_changed': MachineRef.extend({ from: MachineState, to: MachineState }).describe(
    'A poll or an action saw the machine in another state',
  ),
  'machine.missing': MachineRef.extend({ lastSeenAt: Timestamp }).describe(
    'The last poll did not find the machine (destroyed outside Nimbo, or its region left the cloud)',
  ),
  'machine.unreachable': MachineRef.extend({
    since: Timestamp.describe('The first failed probe of this outage'),
    failedProbes: z.number().int().min(1),
    error: ProblemRef,
  }).describe('Probes stopped reaching the machine'),
  'machine.reachable': MachineRef.extend({
    unreachableSince: Timestamp,
    downSeconds: z.number().min(0),
  }).describe('A probe reached the machine again after an outage'),
  'job.failed': z
    .object({
      jobId: Id,
      jobType: z.string(),
      resource: z.strictObject({ type: z.string(), id: z.string() }),
      attempts: z.number().int().min(1),
      error: ProblemRef,
    })
    .describe('A job failed for good (no retry left)'),
  'schedule.run.completed': z
    .object({
      scheduleId: Id,
      runId: Id,
      name: z.string(),
      action: z.string(),
      counts: z.strictObject({
        succeeded: z.number().int().min(0),
        failed: z.number().int().min(0),
        skipped: z.number().int().min(0),
      }),
      results: z
        .array(
          z.strictObject({
            machineId: Id,
            name: z.string(),
            status: z.enum(['succeeded', 'failed', 'skipped']),
            jobId: Id.nullable(),
            error: ProblemRef.nullable(),
          }),
        )
        .describe('Failures first, at most 200 machines: the counts cover them all'),
      resultsTruncated: z.boolean().describe('More machines ended than `results` lists'),
    })
    .describe("A schedule run's jobs all ended: what happened to each machine"),
  'schedule.upcoming': z
    .object({
      scheduleId: Id,
      name: z.string(),
      action: z.string(),
      runAt: Timestamp,
      minutesBefore: z.number().int().min(1),
      machines: z
        .array(z.strictObject({ machineId: Id, name: z.string() }))
        .describe('At most 200, the first by id'),
      machinesTruncated: z.boolean().describe('More machines match than `machines` lists'),
      postponedFrom: Timestamp.nullable()
        .optional()
        .describe('This run was moved here by a postpone from this time (its own schedule.upcoming)'),
      skipped: z
        .strictObject({ code: z.string(), reason: z.string() })
        .nullable()
        .optional()
        .describe('This occurrence will be skipped (an exception day, outside the windows), and why'),
      postpone: z
        .strictObject({ method: z.literal('POST'), href: z.string() })
        .optional()
        .describe('Where to postpone this run: body {"minutes": 1 to 1440}'),
    })
    .describe('A schedule runs soon, over these machines as its conditions select them now'),
  'cloud.poll_failed': CloudRef.extend({
    consecutiveFailures: z.number().int().min(1),
    error: ProblemRef,
  }).describe("A cloud's inventory poll failed"),
  'cloud.disabled': CloudRef.extend({ reason: z.string() }).describe(
    'A cloud was disabled (by an operator, or after sustained poll failures): it is no longer polled',
  ),
  'rule.triggered': z
    .strictObject({
      ruleId: Id,
      name: z.string().describe("The rule's name"),
      event: z
        .strictObject({ id: EventId, type: z.enum(MACHINE_EVENT_TYPES) })
        .describe('The machine event that started it'),
      machine: MachineRef,
      forMinutes: z
        .number()
        .int()
        .min(1)
        .nullable()
        .describe('How long the situation had to hold first; null: the rule fires at once'),
      heldSince: Timestamp.describe(
        "When the situation began: the event's time (for machine.unreachable, the outage's first failed probe)",
      ),
    })
    .describe(
      "A rule's event happened on a machine its conditions select (and, with forMinutes, still held that " +
        "long): sent to the rule's webhooks only, whatever events they subscribed to",
    ),
  'webhook.test': z
    .strictObject({ webhookId: Id, message: z.string() })
    .describe('Sent by POST /v1/webhooks/{id}/test to that webhook only'),
  'webhook.disabled': z
    .object({ webhookId: Id, url: z.string(), reason: z.string(), failingSince: Timestamp })
    .describe('A webhook was disabled after sustained delivery failures'),
} as const;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];
/**
 * Types delivered only to the webhooks named when they are recorded (a rule's), never fanned out to the
 * webhooks of the org that subscribe to the type: a webhook cannot subscribe to them.
 */
export const DIRECTED_EVENT_TYPES: readonly EventType[] = ['rule.triggered'];
export const SUBSCRIBABLE_EVENT_TYPES = EVENT_TYPES.filter((t) => !DIRECTED_EVENT_TYPES.includes(t));
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

const envelope = <T extends EventType>(type: T) =>
  z
    .strictObject({
      id: EventId.describe('Unique per event: every delivery of one event carries it as webhook-id'),
      version: z.literal(1).describe('The event format version'),
      type: z.literal(type),
      timestamp: Timestamp.describe('When it happened'),
      orgId: Id,
      data: EVENT_DATA[type],
    })
    .meta({ title: `${type}, version 1` });

/** Every event of version 1: one envelope per type, told apart by `type`. */
export const NimboEvent = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((t) => envelope(t)) as unknown as [
    ReturnType<typeof envelope>,
    ...ReturnType<typeof envelope>[],
  ],
);
export type NimboEvent = {
  [T in EventType]: { id: string; version: 1; type: T; timestamp: string; orgId: string; data: EventData<T> };
}[EventType];

/** The JSON Schema document published for receivers. */
export function eventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://nimbo.dev/schemas/event.v1.schema.json',
    ...z.toJSONSchema(NimboEvent, { target: 'draft-2020-12', io: 'output' }),
    description:
      'An event Nimbo sends: the body of a webhook delivery (signed as Standard Webhooks say: webhook-id, ' +
      'webhook-timestamp, webhook-signature), and the Detail of an EventBridge event whose DetailType is the type.',
  };
}
