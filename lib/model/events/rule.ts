/**
 * Rules: "when <machine event> on machines matching <conditions> (for N minutes) notify <webhooks>". A rule
 * that fires records a rule.triggered event, delivered to its webhooks only (lib/rules).
 */
import { z } from 'zod';
import { MACHINE_STATES } from '../../providers/compute.js';
import { idSchema, Name, Timestamp } from '../common.js';
import { Condition } from '../condition.js';
import { listQuery, pageOf } from '../list.js';
import { MACHINE_EVENT_TYPES } from './event.js';
import { WebhookId } from './webhook.js';

export const RuleId = idSchema('rule');

/** The longest hold: a day. */
export const MAX_FOR_MINUTES = 1440;
export const MAX_RULE_WEBHOOKS = 10;
/** Every machine event of an org is matched against its enabled rules: a hundred is plenty. */
export const MAX_RULES_PER_ORG = 100;

export const RuleEvent = z.enum(MACHINE_EVENT_TYPES).describe('The machine event the rule waits for');

const To = z
  .enum(MACHINE_STATES)
  .describe('With machine.state_changed only: just the changes to this state (e.g. stopped)');

const ForMinutes = z
  .number()
  .int()
  .min(1)
  .max(MAX_FOR_MINUTES)
  .describe(
    'Notify only if the situation still holds this long after it began (still unreachable, still in the ' +
      'new state, still missing, still reachable); absent: at once',
  );

const RuleWebhookIds = z
  .array(WebhookId)
  .min(1)
  .max(MAX_RULE_WEBHOOKS)
  .refine((a) => new Set(a).size === a.length, 'each webhook once')
  .describe(
    "Webhooks of the org that get the rule's rule.triggered events, whatever events they subscribe to",
  );

const RuleConditions = Condition.describe(
  'Which machines, as schedules select them (missing machines only for machine.missing); absent: all',
);

/** `to` narrows machine.state_changed and means nothing for another event. */
function checkTo(body: { event?: string | undefined; to?: string | null | undefined }, ctx: z.RefinementCtx) {
  if (body.to != null && body.event !== undefined && body.event !== 'machine.state_changed') {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'only with the event machine.state_changed' });
  }
}

export const CreateRuleBody = z
  .strictObject({
    name: Name,
    event: RuleEvent,
    to: To.optional(),
    conditions: RuleConditions.optional(),
    forMinutes: ForMinutes.optional(),
    webhookIds: RuleWebhookIds,
    enabled: z.boolean().default(true),
  })
  .superRefine(checkTo)
  .meta({ id: 'CreateRuleRequest' });
export type CreateRuleBody = z.infer<typeof CreateRuleBody>;

export const UpdateRuleBody = z
  .strictObject({
    name: Name.optional(),
    event: RuleEvent.optional(),
    to: To.nullable().optional().describe('null removes it'),
    conditions: RuleConditions.nullable().optional().describe('null: all machines'),
    forMinutes: ForMinutes.nullable().optional().describe('null: fire at once'),
    webhookIds: RuleWebhookIds.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .superRefine(checkTo)
  .meta({ id: 'UpdateRuleRequest' });
export type UpdateRuleBody = z.infer<typeof UpdateRuleBody>;

export const RuleView = z
  .object({
    id: RuleId,
    name: z.string(),
    event: RuleEvent,
    to: z.enum(MACHINE_STATES).nullable(),
    conditions: Condition.nullable().describe('null: all machines'),
    forMinutes: z.number().int().nullable(),
    webhookIds: z
      .array(z.string())
      .describe('A webhook deleted since is removed from the rules that named it'),
    enabled: z.boolean(),
    lastFiredAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Rule' });
export type RuleView = z.infer<typeof RuleView>;

export const RulePage = pageOf(RuleView, 'RulePage');

export const RuleListQuery = listQuery(['createdAt', 'name'], '-createdAt').extend({
  event: RuleEvent.optional(),
  enabled: z.enum(['true', 'false']).optional(),
});
export type RuleListQuery = z.infer<typeof RuleListQuery>;
