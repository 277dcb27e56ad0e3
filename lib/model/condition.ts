/**
 * The conditions grammar that selects machines (schedules, bulk commands, previews). One object per
 * node with exactly one of field | tags | ids | age | all | any | not, so that every error names the
 * exact node and reason (a union would only say "invalid input").
 */
import { z } from 'zod';
import { linearRegexProblem } from '../core/linear-regex.js';
import { MACHINE_STATES } from '../providers/compute.js';
import { NulFreeString } from './common.js';

/** Fields a condition may test, with their type; `as` is the stored field. */
export const CONDITION_FIELDS = {
  name: { type: 'string', as: 'name' },
  state: { type: 'state', as: 'state' },
  cloud: { type: 'string', as: 'cloudId' },
  provider: { type: 'string', as: 'provider' },
  region: { type: 'string', as: 'region' },
  location: { type: 'string', as: 'location' },
  size: { type: 'string', as: 'size' },
  image: { type: 'string', as: 'image' },
  cost: { type: 'number', as: 'hourlyCost' },
  firstSeenAt: { type: 'date', as: 'firstSeenAt' },
  lastSeenAt: { type: 'date', as: 'lastSeenAt' },
  launchedAt: { type: 'date', as: 'launchedAt' },
  /** The provider's network and subnet ids (vpc-..., subnet-...), as the poll records them. */
  network: { type: 'string', as: 'extra.vpcId' },
  subnet: { type: 'string', as: 'extra.subnetId' },
} as const;
export type ConditionField = keyof typeof CONDITION_FIELDS;

export const CONDITION_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'regex'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export const MAX_CONDITION_DEPTH = 5;
export const MAX_CONDITION_NODES = 100;
export const MAX_REGEX_LENGTH = 128;

/** 30m, 12h, 7d, 2w. */
export const Duration = z.string().regex(/^[1-9]\d{0,5}[mhdw]$/, 'a duration such as 30m, 12h, 7d or 2w');

const TagSelector = NulFreeString.min(1).max(256).describe('key, or key=value');

export interface ConditionNode {
  field?: ConditionField;
  op?: ConditionOp;
  value?: unknown;
  tags?: { include?: string[]; exclude?: string[] };
  ids?: string[];
  age?: { olderThan: string };
  all?: ConditionNode[];
  any?: ConditionNode[];
  not?: ConditionNode;
}

const KINDS = ['field', 'tags', 'ids', 'age', 'all', 'any', 'not'] as const;

export const Condition: z.ZodType<ConditionNode> = z
  .lazy(() =>
    z
      .strictObject({
        field: z.enum(Object.keys(CONDITION_FIELDS) as [ConditionField, ...ConditionField[]]).optional(),
        op: z.enum(CONDITION_OPS).optional(),
        value: z.unknown().optional().describe('string, number, date-time or a list of them (in, nin)'),
        tags: z
          .strictObject({
            include: z.array(TagSelector).max(50).optional(),
            exclude: z.array(TagSelector).max(50).optional(),
          })
          .optional(),
        ids: z.array(z.string().min(1).max(64)).min(1).max(1000).optional(),
        age: z.strictObject({ olderThan: Duration }).optional(),
        all: z.array(Condition).min(1).max(50).optional(),
        any: z.array(Condition).min(1).max(50).optional(),
        not: Condition.optional(),
      })
      .superRefine((node, ctx) => {
        const kinds = KINDS.filter((k) => node[k] !== undefined);
        if (kinds.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            message: `give exactly one of ${KINDS.join(', ')} (got ${kinds.join(', ') || 'none'})`,
          });
          return;
        }
        if (kinds[0] === 'field') checkFieldNode(node, ctx);
        else if (node.op !== undefined || node.value !== undefined) {
          ctx.addIssue({ code: 'custom', message: 'op and value belong with field only' });
        }
      }),
  )
  .meta({ id: 'Condition' });

function checkFieldNode(node: ConditionNode, ctx: z.RefinementCtx): void {
  const problem = fieldNodeProblem(node);
  if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
}

function fieldNodeProblem(node: ConditionNode): { path: string[]; message: string } | undefined {
  const field = CONDITION_FIELDS[node.field!];
  if (!node.op) return { path: ['op'], message: `give op: one of ${CONDITION_OPS.join(', ')}` };
  if (node.value === undefined) return { path: ['value'], message: 'give a value' };
  const list = node.op === 'in' || node.op === 'nin';
  if (list !== Array.isArray(node.value)) {
    return { path: ['value'], message: list ? `${node.op} takes a list` : `${node.op} takes a single value` };
  }
  if (list && ((node.value as unknown[]).length === 0 || (node.value as unknown[]).length > 100)) {
    return { path: ['value'], message: 'a list of 1 to 100 values' };
  }
  if (node.op === 'regex') {
    if (field.type !== 'string')
      return { path: ['op'], message: `regex applies to text fields, not ${node.field}` };
    const problem = regexProblem(node.value);
    return problem ? { path: ['value'], message: problem } : undefined;
  }
  if (
    (node.op === 'gt' || node.op === 'gte' || node.op === 'lt' || node.op === 'lte') &&
    field.type === 'state'
  ) {
    return { path: ['op'], message: 'states are compared with eq, ne, in or nin' };
  }
  for (const v of list ? (node.value as unknown[]) : [node.value]) {
    const problem = valueProblem(field.type, v);
    if (problem) return { path: ['value'], message: `${node.field}: ${problem}` };
  }
  return undefined;
}

function valueProblem(type: 'string' | 'state' | 'number' | 'date', v: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' && v.length <= 256 ? undefined : 'expected text (at most 256 characters)';
    case 'state':
      return MACHINE_STATES.includes(v as never) ? undefined : `expected one of ${MACHINE_STATES.join(', ')}`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : 'expected a number';
    case 'date':
      return typeof v === 'string' && z.iso.datetime({ offset: true }).safeParse(v).success
        ? undefined
        : 'expected an RFC 3339 date-time';
  }
}

/** Length-limited, and matchable in linear time by every engine that runs it (core/linear-regex.ts). */
export function regexProblem(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return 'expected a non-empty pattern';
  if (v.length > MAX_REGEX_LENGTH) return `at most ${MAX_REGEX_LENGTH} characters`;
  // NUL first, with the message every NUL refusal gives: MongoDB cannot take it in a pattern.
  const text = NulFreeString.safeParse(v);
  if (!text.success) return text.error.issues[0]?.message;
  return linearRegexProblem(v);
}

export const PreviewConditionsBody = z
  .strictObject({
    conditions: Condition,
    limit: z.number().int().min(0).max(100).default(20).describe('How many matching machines to return'),
  })
  .meta({ id: 'PreviewConditionsRequest' });
