/**
 * Running scripts: one job and one run record per machine. The worker uploads the script over the SSH
 * channel's stdin into a private temp file and runs it (executable: by its #! line; ansible: with
 * ansible-playbook -c local), parameters as separate quoted words, the environment through `env`, under
 * a deadline that kills the remote process group. The run records start, end, exit code and capped output.
 */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { jobError, ProviderError, UnprocessableError } from '../core/errors.js';
import { getDataKey } from '../crypto/data-key.js';
import { type SealedValue, seal, unseal } from '../crypto/sealed.js';
import type { JobDoc, MachineDoc } from '../db/documents.js';
import { findMachine, findOwned } from '../db/lookups.js';
import { findPage, type Page, type PageRequest } from '../db/pagination.js';
import { enqueueJobs, type JobDeps, jobActor, type NewJob } from '../jobs/jobs.js';
import { machineExec } from '../keys/ssh-access.js';
import { findMachinesForAction } from '../machines/conditions.js';
import type { Actor, RecordedActor, SystemActor } from '../model/actor.js';
import { newId } from '../model/common.js';
import type { ConditionNode } from '../model/condition.js';
import {
  MAX_OUTPUT_BYTES,
  type RunScriptBody,
  type ScriptKind,
  type ScriptRunView,
  scriptContentProblem,
} from '../model/script.js';
import { commandLine, ENV_NAME, shellQuote } from '../ssh/quote.js';
import { fetchScriptSource } from './fetch.js';
import { findScript } from './scripts.js';
import {
  SCRIPT_RUN_RETENTION_DAYS,
  type ScriptDoc,
  type ScriptRunDoc,
  type ScriptRunInput,
  scriptCollections,
  toScriptRunView,
} from './store.js';

/** At most this many machines per run request (conditions); the reply says `truncated` beyond. */
export const MAX_MACHINES_PER_SCRIPT_RUN = 1_000;
const DAY_MS = 86_400_000;

/** Writes stdin to a private temp file under $HOME (often not noexec, unlike /tmp), runs it, removes it. */
const UPLOAD = `f=$(mktemp "\${HOME:-/tmp}/.nimbo-script.XXXXXX") || exit 125; trap 'rm -f "$f"' EXIT; cat > "$f" && chmod 700 "$f"`;
export const ANSIBLE_MISSING =
  'ansible-playbook is not installed on this machine: install ansible to run ansible scripts';

/** The remote command line; parameters and environment values travel as quoted data only. */
export function scriptCommand(kind: ScriptKind, params: string[], env: Record<string, string>): string {
  if (kind === 'executable') {
    return commandLine(`sh -c ${shellQuote(`${UPLOAD} && "$f" "$@"`)} nimbo-script`, params, env);
  }
  const runner = `command -v ansible-playbook >/dev/null 2>&1 || { echo ${shellQuote(ANSIBLE_MISSING)} >&2; exit 127; }; ${UPLOAD} && ansible-playbook -c local -i localhost, "$f" "$@"`;
  const extraVars = ansibleExtraVars(params);
  const args = Object.keys(extraVars).length > 0 ? ['-e', JSON.stringify(extraVars)] : [];
  return commandLine(`sh -c ${shellQuote(runner)} nimbo-ansible`, args, env);
}

/** Ansible parameters are `name=value` extra vars. */
export function ansibleExtraVars(params: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = p.slice(0, eq);
    if (eq < 1 || !ENV_NAME.test(name)) {
      throw new UnprocessableError(`Ansible parameters are name=value extra vars: "${p}" is not`);
    }
    vars[name] = p.slice(eq + 1);
  }
  return vars;
}

function envContext(orgId: string, scriptRunId: string): string {
  return `nimbo:script-env:${orgId}:${scriptRunId}`;
}

export interface ScriptRunRequest {
  params: string[];
  env: Record<string, string>;
  timeoutSeconds: number;
  scheduleId?: string;
  /** The schedule run that queued it. */
  runId?: string;
}

/** A run record and its job for one machine (also used by schedules). */
export async function prepareScriptRun(
  script: ScriptDoc,
  machine: Pick<MachineDoc, '_id' | 'orgId'>,
  request: ScriptRunRequest,
  now: Date,
): Promise<{ run: ScriptRunDoc; job: NewJob }> {
  if (script.kind === 'ansible') ansibleExtraVars(request.params);
  const scriptRunId = newId('scriptRun');
  const hasEnv = Object.keys(request.env).length > 0;
  const env: SealedValue | null = hasEnv
    ? seal(await getDataKey(), JSON.stringify(request.env), envContext(script.orgId, scriptRunId))
    : null;
  const run: ScriptRunDoc = {
    _id: scriptRunId,
    orgId: script.orgId,
    scriptId: script._id,
    machineId: machine._id,
    jobId: null,
    status: 'queued',
    params: request.params,
    envNames: Object.keys(request.env),
    timeoutSeconds: request.timeoutSeconds,
    scheduleId: request.scheduleId ?? null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    signal: null,
    timedOut: false,
    stdout: '',
    stderr: '',
    truncated: false,
    error: null,
    expireAt: new Date(now.getTime() + SCRIPT_RUN_RETENTION_DAYS * DAY_MS),
  };
  const input: ScriptRunInput = {
    scriptId: script._id,
    machineId: machine._id,
    scriptRunId,
    params: request.params,
    env,
    timeoutSeconds: request.timeoutSeconds,
    ...(request.scheduleId ? { scheduleId: request.scheduleId } : {}),
    ...(request.runId ? { runId: request.runId } : {}),
  };
  return {
    run,
    // Never retried: a script is not assumed idempotent.
    job: {
      type: 'script.run',
      resource: { type: 'machine', id: machine._id },
      input: input as unknown as Record<string, unknown>,
      maxAttempts: 1,
    },
  };
}

/** Saves the runs, queues their jobs, and notes each job on its run. */
export async function queueScriptRuns(
  deps: JobDeps,
  actor: Actor | RecordedActor | SystemActor,
  prepared: Array<{ run: ScriptRunDoc; job: NewJob }>,
  requestId: string | null = null,
): Promise<JobDoc[]> {
  if (prepared.length === 0) return [];
  const { runs } = scriptCollections(deps.db);
  await runs.insertMany(prepared.map((p) => p.run));
  let jobs: JobDoc[];
  try {
    jobs = await enqueueJobs(
      deps,
      actor,
      prepared.map((p) => p.job),
      requestId,
    );
  } catch (err) {
    await runs.updateMany(
      { _id: { $in: prepared.map((p) => p.run._id) } },
      {
        $set: { status: 'failed', error: { code: 'enqueue_failed', message: 'The run could not be queued' } },
      },
    );
    throw err;
  }
  await runs.bulkWrite(
    jobs.map((j, i) => ({
      updateOne: { filter: { _id: prepared[i]!.run._id }, update: { $set: { jobId: j._id } } },
    })),
  );
  return jobs;
}

export async function requestScriptRun(
  deps: JobDeps,
  actor: Actor,
  scriptId: string,
  body: RunScriptBody,
  requestId: string,
) {
  const script = await findScript(deps, actor.orgId, scriptId);
  const now = deps.now();
  let machines: MachineDoc[];
  let truncated = false;
  if (body.machineId) {
    const machine = await findMachine(deps, actor.orgId, body.machineId);
    if (machine.missingSince)
      throw new UnprocessableError(`Machine ${machine.name} is missing from its cloud`);
    machines = [machine];
  } else {
    const conditions = body.conditions as ConditionNode;
    ({ machines, truncated } = await findMachinesForAction(
      deps,
      actor.orgId,
      conditions,
      MAX_MACHINES_PER_SCRIPT_RUN,
      now,
    ));
  }
  const request = { params: body.params, env: body.env, timeoutSeconds: body.timeoutSeconds };
  const prepared: Array<{ run: ScriptRunDoc; job: NewJob }> = [];
  for (const m of machines) prepared.push(await prepareScriptRun(script, m, request, now));
  const jobs = await queueScriptRuns(deps, actor, prepared, requestId);
  await recordAudit(deps, {
    actor,
    action: 'script.run_requested',
    resource: { type: 'script', id: script._id, name: script.name },
    requestId,
    details: {
      machines: jobs.length,
      truncated,
      params: body.params.length,
      envNames: Object.keys(body.env),
    },
  });
  return {
    matched: machines.length,
    truncated,
    runs: jobs.map((j, i) => ({
      runId: prepared[i]!.run._id,
      jobId: j._id,
      machineId: prepared[i]!.run.machineId,
    })),
  };
}

/** A script that ran and failed (non-zero exit, timeout): the run holds its output. */
export class ScriptFailedError extends ProviderError {
  override readonly name = 'ScriptFailedError';
  override readonly code: string = 'script_failed';
  constructor(message: string, code = 'script_failed') {
    super(message);
    this.code = code;
  }
}

async function sourceText(script: ScriptDoc): Promise<string> {
  const text =
    script.source.type === 'inline' ? script.source.content : await fetchScriptSource(script.source.url);
  const problem = scriptContentProblem(script.kind, text);
  if (problem) throw new UnprocessableError(`The script cannot run: ${problem}`);
  return text;
}

/** The run of a job interrupted for good says so (if it had not finished). */
export async function recordScriptRunInterrupted(deps: JobDeps, job: JobDoc): Promise<void> {
  const input = job.input as unknown as ScriptRunInput;
  await scriptCollections(deps.db).runs.updateOne(
    { _id: input.scriptRunId, orgId: job.orgId, status: { $in: ['queued', 'running'] } },
    { $set: { status: 'failed', finishedAt: deps.now(), error: job.error ?? jobError(null) } },
  );
}

export async function executeScriptRun(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const input = job.input as unknown as ScriptRunInput;
  const { runs } = scriptCollections(deps.db);
  const runFilter = { _id: input.scriptRunId, orgId: job.orgId };
  await runs.updateOne(runFilter, { $set: { status: 'running', startedAt: deps.now(), jobId: job._id } });
  let machine: MachineDoc | null = null;
  const auditBase = () => ({
    actor: jobActor(job),
    action: 'script.run',
    resource: { type: 'machine', id: input.machineId, ...(machine ? { name: machine.name } : {}) },
    jobId: job._id,
    ...(job.requestId ? { requestId: job.requestId } : {}),
  });
  try {
    const script = await findScript(deps, job.orgId, input.scriptId);
    machine = await findMachine(deps, job.orgId, input.machineId);
    if (machine.missingSince)
      throw new UnprocessableError(`Machine ${machine.name} is missing from its cloud`);
    const content = await sourceText(script);
    const env = input.env
      ? (JSON.parse(
          unseal(await getDataKey(), input.env, envContext(job.orgId, input.scriptRunId)),
        ) as Record<string, string>)
      : {};
    const r = await machineExec(deps, machine, scriptCommand(script.kind, input.params, env), {
      timeoutMs: input.timeoutSeconds * 1000,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      stdin: content,
    });
    let error: ScriptFailedError | null = null;
    if (r.timedOut) {
      error = new ScriptFailedError(
        `The script timed out after ${input.timeoutSeconds} s and was killed`,
        'script_timeout',
      );
    } else if (r.exitCode === 127 && r.stderr.includes(ANSIBLE_MISSING)) {
      error = new ScriptFailedError(ANSIBLE_MISSING, 'ansible_missing');
    } else if (r.exitCode !== 0) {
      error = new ScriptFailedError(
        r.exitCode === null
          ? `The script was killed by signal ${r.signal}`
          : `The script exited with code ${r.exitCode}`,
      );
    }
    await runs.updateOne(runFilter, {
      $set: {
        status: error ? 'failed' : 'succeeded',
        finishedAt: deps.now(),
        exitCode: r.exitCode,
        signal: r.signal,
        timedOut: r.timedOut,
        stdout: r.stdout,
        stderr: r.stderr,
        truncated: r.truncated,
        error: error ? jobError(error) : null,
      },
    });
    const details = {
      scriptId: script._id,
      scriptRunId: input.scriptRunId,
      exitCode: r.exitCode,
      timedOut: r.timedOut,
    };
    await recordAudit(deps, { ...auditBase(), details, ...(error ? { error } : {}) });
    if (error) throw error;
    return {
      scriptRunId: input.scriptRunId,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      truncated: r.truncated,
    };
  } catch (err) {
    if (err instanceof ScriptFailedError) throw err;
    // Not started or not reachable: the run says why.
    await runs.updateOne(runFilter, {
      $set: { status: 'failed', finishedAt: deps.now(), error: jobError(err) },
    });
    await recordAudit(deps, { ...auditBase(), details: { scriptRunId: input.scriptRunId }, error: err });
    throw err;
  }
}

export async function listScriptRuns(
  deps: ServiceDeps,
  orgId: string,
  scriptId: string,
  query: PageRequest & { machineId?: string },
): Promise<Page<ScriptRunView>> {
  await findScript(deps, orgId, scriptId);
  const filter = { orgId, scriptId, ...(query.machineId ? { machineId: query.machineId } : {}) };
  const page = await findPage(scriptCollections(deps.db).runs, filter, query);
  return { items: page.items.map(toScriptRunView), nextCursor: page.nextCursor };
}

export async function getScriptRun(deps: ServiceDeps, orgId: string, scriptId: string, runId: string) {
  const { runs } = scriptCollections(deps.db);
  return toScriptRunView(await findOwned(runs, orgId, runId, `Script run ${runId} not found`, { scriptId }));
}
