/**
 * Scripts: `executable` (any interpreter, named by its #! line) or `ansible` (a playbook run on the target
 * with ansible-playbook -c local), inline or fetched from an https URL at run time. Runs are jobs, one per
 * machine, each recording its start, end, exit code and capped output.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ENV_NAME } from '../ssh/quote.js';
import { idSchema, Name, NulFreeString, Timestamp } from './common.js';
import { Condition } from './condition.js';
import { listQuery, pageOf } from './list.js';

export const ScriptId = idSchema('script');
export const ScriptRunId = idSchema('scriptRun');

export const SCRIPT_KINDS = ['executable', 'ansible'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

/** Inline or fetched, a script is at most this big. */
export const MAX_SCRIPT_BYTES = 256 * 1024;
/** The worker function runs at most 2 minutes (infra/constructs/jobs.ts): a script must end well before. */
export const MAX_SCRIPT_TIMEOUT_SECONDS = 90;
export const MAX_OUTPUT_BYTES = 64 * 1024;

/** Why a script's text cannot run as this kind, or undefined when it can. */
export function scriptContentProblem(kind: ScriptKind, content: string): string | undefined {
  if (Buffer.byteLength(content) > MAX_SCRIPT_BYTES) return `must be at most ${MAX_SCRIPT_BYTES} bytes`;
  if (kind === 'executable') {
    return content.startsWith('#!')
      ? undefined
      : 'an executable script must start with "#!" (e.g. #!/bin/sh)';
  }
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch (err) {
    return `the playbook is not valid YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  if (!Array.isArray(doc) || doc.length === 0) return 'an ansible playbook must be a YAML list of plays';
  const bad = doc.findIndex((play) => play === null || typeof play !== 'object' || Array.isArray(play));
  return bad >= 0 ? `play ${bad + 1} is not a mapping` : undefined;
}

const HttpsUrl = z
  .url({ protocol: /^https$/, hostname: z.regexes.hostname })
  .max(2048)
  .describe('https only; fetched when the script runs (at most 256 KiB)');

export const ScriptSource = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('inline'), content: z.string().min(1).max(MAX_SCRIPT_BYTES) }),
    z.strictObject({ type: z.literal('url'), url: HttpsUrl }),
  ])
  .meta({ id: 'ScriptSource' });
export type ScriptSource = z.infer<typeof ScriptSource>;

const Description = z.string().trim().max(1024);

function checkSource(b: { kind?: ScriptKind; source?: ScriptSource }, ctx: z.RefinementCtx) {
  if (!b.kind || b.source?.type !== 'inline') return;
  const problem = scriptContentProblem(b.kind, b.source.content);
  if (problem) ctx.addIssue({ code: 'custom', path: ['source', 'content'], message: problem });
}

export const CreateScriptBody = z
  .strictObject({
    name: Name,
    description: Description.optional(),
    kind: z.enum(SCRIPT_KINDS),
    source: ScriptSource,
  })
  .superRefine(checkSource)
  .meta({ id: 'CreateScriptRequest' });
export type CreateScriptBody = z.infer<typeof CreateScriptBody>;

export const UpdateScriptBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.nullable().optional(),
    source: ScriptSource.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give name, description or source')
  .meta({ id: 'UpdateScriptRequest' });
export type UpdateScriptBody = z.infer<typeof UpdateScriptBody>;

export const ScriptView = z
  .object({
    id: ScriptId,
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(SCRIPT_KINDS),
    source: ScriptSource,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Script' });
export type ScriptView = z.infer<typeof ScriptView>;

export const ScriptListQuery = listQuery(['name', 'createdAt'], 'name');
export const ScriptPage = pageOf(ScriptView, 'ScriptPage');

/** NUL cannot travel in an argv or an environment: refused here rather than by the worker, later. */
const ArgText = NulFreeString.max(4096);

/** Parameters: positional arguments (executable) or key=value extra vars (ansible); passed as data. */
export const ScriptParams = z.array(ArgText).max(64).default([]);
export const ScriptEnv = z
  .record(z.string().regex(ENV_NAME, 'must be an environment variable name'), ArgText)
  .refine((e) => Object.keys(e).length <= 64, 'at most 64 variables')
  .default({});

export const RunScriptBody = z
  .strictObject({
    machineId: idSchema('machine').optional().describe('Run on this machine'),
    conditions: Condition.optional().describe('Or on every machine these conditions select'),
    params: ScriptParams,
    env: ScriptEnv.describe('Environment variables (values are sealed in the job, never shown)'),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_SCRIPT_TIMEOUT_SECONDS)
      .default(60)
      .describe(`The remote process is killed after it (at most ${MAX_SCRIPT_TIMEOUT_SECONDS} s)`),
  })
  .refine((b) => (b.machineId === undefined) !== (b.conditions === undefined), 'give machineId or conditions')
  .meta({ id: 'RunScriptRequest' });
export type RunScriptBody = z.infer<typeof RunScriptBody>;

export const SCRIPT_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ScriptRunStatus = (typeof SCRIPT_RUN_STATUSES)[number];

export const ScriptRunView = z
  .object({
    id: ScriptRunId,
    scriptId: ScriptId,
    machineId: z.string(),
    jobId: z.string().nullable(),
    status: z.enum(SCRIPT_RUN_STATUSES),
    params: z.array(z.string()),
    envNames: z.array(z.string()).describe('Names only: the values are never shown'),
    timeoutSeconds: z.number().int(),
    scheduleId: z.string().nullable(),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean().describe('Output went over 64 KiB per stream; the text ends with a marker'),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'ScriptRun' });
export type ScriptRunView = z.infer<typeof ScriptRunView>;

export const ScriptRunListQuery = listQuery(['createdAt'], '-createdAt')
  .omit({ q: true })
  .extend({
    machineId: idSchema('machine').optional(),
  });
export const ScriptRunPage = pageOf(ScriptRunView, 'ScriptRunPage');

export const ScriptRunAccepted = z
  .object({
    matched: z.number().int().describe('Machines selected'),
    truncated: z.boolean().describe('More machines matched than one request runs on'),
    runs: z.array(z.object({ runId: ScriptRunId, jobId: z.string(), machineId: z.string() })),
  })
  .meta({ id: 'ScriptRunAccepted' });
