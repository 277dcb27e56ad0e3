/**
 * Commands other systems send on the `commands` SQS queue: versioned JSON, one action over one machine
 * or over the machines some conditions select. The same schema validates every message and is published
 * as JSON Schema (schemas/command.v1.schema.json, GET /v1/commands/schema).
 */
import { z } from 'zod';
import { Timestamp } from './common.js';
import { Condition } from './condition.js';
import { ActionParams, MachineActionName, MachineId, refineActionParams } from './machine.js';

/** What a sender may use as a request id: safe to show, to log and to put in a URL path. */
export const CommandRequestId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only (at most 128)')
  .describe(
    'Your id for this request: a message carrying a request id already seen acts no more. ' +
      "Without it, SQS's message id is the key, which only protects against SQS's own redelivery.",
  );

export const CommandTarget = z
  .union([
    z.strictObject({ machineId: MachineId }).meta({ title: 'One machine' }),
    z
      .strictObject({ conditions: Condition })
      .meta({ title: 'The machines the conditions select (missing machines never match)' }),
  ])
  .describe('One machine by id, or the machines some conditions select');

export const MachineActionCommand = z
  .strictObject({
    version: z.literal(1).describe('The command format version'),
    type: z.literal('machine.action'),
    action: MachineActionName,
    params: ActionParams.optional(),
    target: CommandTarget,
    requestId: CommandRequestId.optional(),
  })
  .superRefine(refineActionParams)
  .meta({ id: 'MachineActionCommand', title: 'Nimbo command, version 1: a machine action' });
export type MachineActionCommand = z.infer<typeof MachineActionCommand>;

/** Every command type of version 1 (one today; new types join this union). */
export const Command = MachineActionCommand;
export type Command = MachineActionCommand;

/** The JSON Schema document published for senders. */
export function commandJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://nimbo.dev/schemas/command.v1.schema.json',
    ...z.toJSONSchema(Command, { target: 'draft-2020-12', io: 'input' }),
    description:
      'A message body on the Nimbo commands queue. The message attribute "Authorization" (String) carries ' +
      'an API token of the org ("Bearer <token>" or the bare token); machine actions need the operator role.',
  };
}

export const COMMAND_STATUSES = ['in_progress', 'completed'] as const;

export const CommandMachineOutcome = z.object({
  machineId: z.string(),
  name: z.string(),
  jobId: z.string().nullable().describe('The job acting on the machine; null when skipped'),
  skipped: z.string().optional().describe('Why the machine was not acted on'),
});

export const CommandResult = z
  .object({
    requestId: z.string(),
    action: MachineActionName,
    matched: z.number().int(),
    queued: z.number().int(),
    skipped: z.number().int(),
    truncated: z.boolean().describe('More machines matched than one command acts on'),
    machines: z.array(CommandMachineOutcome),
  })
  .meta({ id: 'CommandResult' });
export type CommandResult = z.infer<typeof CommandResult>;

export const CommandView = z
  .object({
    requestId: z.string(),
    status: z.enum(COMMAND_STATUSES),
    receivedAt: Timestamp,
    result: CommandResult.nullable(),
  })
  .meta({ id: 'Command' });
export type CommandView = z.infer<typeof CommandView>;
