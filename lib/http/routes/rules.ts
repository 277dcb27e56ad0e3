import { z } from 'zod';
import {
  CreateRuleBody,
  RuleId,
  RuleListQuery,
  RulePage,
  RuleView,
  UpdateRuleBody,
} from '../../model/events/rule.js';
import { createRule, deleteRule, findRule, listRules, toRuleView, updateRule } from '../../rules/rules.js';
import { defineRoute } from '../route.js';

const RuleParams = z.strictObject({ id: RuleId });

export const postRule = defineRoute({
  method: 'POST',
  path: '/v1/rules',
  operationId: 'createRule',
  summary:
    'When a machine event happens on machines matching some conditions (for N minutes), notify webhooks',
  description:
    'The rule fires on each event of its type whose machine its conditions select (and, for ' +
    'machine.state_changed with `to`, a change to that state): at once, or with forMinutes only if the ' +
    'situation still holds that long after it began (the machine still unreachable, in that state, missing, ' +
    'or reachable). Firing sends a rule.triggered event (schemas/event.v1.schema.json) to the webhooks ' +
    'of the rule only, signed as every delivery. A webhook not of this org answers 422 naming it.',
  tag: 'rules',
  auth: 'admin',
  body: CreateRuleBody,
  responses: { 201: { description: 'The rule', schema: RuleView } },
  handler: async ({ body, actor, deps }) => {
    const created = await createRule(await deps(), actor, body);
    return { status: 201, body: created, headers: { location: `/v1/rules/${created.id}` } };
  },
});

export const getRules = defineRoute({
  method: 'GET',
  path: '/v1/rules',
  operationId: 'listRules',
  summary: "The org's rules",
  tag: 'rules',
  auth: 'viewer',
  query: RuleListQuery,
  responses: { 200: { description: 'A page of rules', schema: RulePage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listRules(await deps(), actor.orgId, query),
  }),
});

export const getRule = defineRoute({
  method: 'GET',
  path: '/v1/rules/{id}',
  operationId: 'getRule',
  summary: 'One rule, and when it last fired',
  tag: 'rules',
  auth: 'viewer',
  params: RuleParams,
  responses: { 200: { description: 'The rule', schema: RuleView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: toRuleView(await findRule(await deps(), actor.orgId, params.id)),
  }),
});

export const patchRule = defineRoute({
  method: 'PATCH',
  path: '/v1/rules/{id}',
  operationId: 'updateRule',
  summary: 'Change a rule, or enable or disable it',
  description:
    'Changing its event, to or forMinutes, or disabling it, drops the firings it is holding: none of them ' +
    'is sent.',
  tag: 'rules',
  auth: 'admin',
  params: RuleParams,
  body: UpdateRuleBody,
  responses: { 200: { description: 'The rule', schema: RuleView } },
  handler: async ({ params, body, actor, deps }) => ({
    status: 200,
    body: await updateRule(await deps(), actor, params.id, body),
  }),
});

export const deleteRuleRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/rules/{id}',
  operationId: 'deleteRule',
  summary: 'Delete a rule and the firings it holds',
  tag: 'rules',
  auth: 'admin',
  params: RuleParams,
  responses: { 204: { description: 'Deleted' } },
  handler: async ({ params, actor, deps }) => {
    await deleteRule(await deps(), actor, params.id);
    return { status: 204 };
  },
});

export const ruleRoutes = [postRule, getRules, getRule, patchRule, deleteRuleRoute];
