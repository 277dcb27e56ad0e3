/** Commands sent on the commands queue: their published schema, and each one's outcome by request id. */
import { z } from 'zod';
import { getCommand } from '../../commands/commands.js';
import { CommandRequestId, CommandView, commandJsonSchema } from '../../model/command.js';
import { defineRoute } from '../route.js';

export const getCommandSchema = defineRoute({
  method: 'GET',
  path: '/v1/commands/schema',
  operationId: 'getCommandSchema',
  summary: 'The JSON Schema of a command message body (version 1)',
  description:
    'Send commands as SQS messages on the commands queue, with the message attribute Authorization ' +
    '(String) set to "Bearer <token>" of an operator (or higher) token of your org.',
  tag: 'commands',
  auth: 'public',
  responses: {
    200: { description: 'A JSON Schema (draft 2020-12)', schema: z.record(z.string(), z.unknown()) },
  },
  handler: async () => ({ status: 200, body: commandJsonSchema() }),
});

export const getCommandRoute = defineRoute({
  method: 'GET',
  path: '/v1/commands/{requestId}',
  operationId: 'getCommand',
  summary: "A command's outcome: the machines it matched, and the job acting on each",
  description: 'By the requestId the command carried (the SQS message id when it had none).',
  tag: 'commands',
  auth: 'viewer',
  params: z.strictObject({ requestId: CommandRequestId }),
  responses: { 200: { description: 'The command', schema: CommandView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getCommand(await deps(), actor.orgId, params.requestId),
  }),
});

export const commandRoutes = [getCommandSchema, getCommandRoute];
