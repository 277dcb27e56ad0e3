/** How scripts and their runs are stored and shown (their indexes are in lib/db/collections.ts). */
import type { Collection, Db } from 'mongodb';
import type { SealedValue } from '../crypto/sealed.js';
import { isoOrNull } from '../model/common.js';
import type {
  ScriptKind,
  ScriptRunStatus,
  ScriptRunView,
  ScriptSource,
  ScriptView,
} from '../model/script.js';

export interface ScriptDoc {
  _id: string;
  orgId: string;
  name: string;
  description: string | null;
  kind: ScriptKind;
  source: ScriptSource;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScriptRunDoc {
  _id: string;
  orgId: string;
  scriptId: string;
  machineId: string;
  jobId: string | null;
  status: ScriptRunStatus;
  params: string[];
  envNames: string[];
  timeoutSeconds: number;
  scheduleId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  error: { code: string; message: string } | null;
  /** Run history is kept for SCRIPT_RUN_RETENTION_DAYS (TTL). */
  expireAt: Date;
}

/** What a script.run job carries: the environment sealed, since job inputs are shown by GET /v1/jobs. */
export interface ScriptRunInput {
  scriptId: string;
  machineId: string;
  scriptRunId: string;
  params: string[];
  env: SealedValue | null;
  timeoutSeconds: number;
  scheduleId?: string;
  /** A schedule run's id, when a schedule queued it (recordScheduleJobResult reads it). */
  runId?: string;
}

export const SCRIPT_RUN_RETENTION_DAYS = 90;

export function scriptCollections(db: Db): {
  scripts: Collection<ScriptDoc>;
  runs: Collection<ScriptRunDoc>;
} {
  return {
    scripts: db.collection<ScriptDoc>('scripts'),
    runs: db.collection<ScriptRunDoc>('script_runs'),
  };
}

export function toScriptView(doc: ScriptDoc): ScriptView {
  return {
    id: doc._id,
    name: doc.name,
    description: doc.description,
    kind: doc.kind,
    source: doc.source,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function toScriptRunView(doc: ScriptRunDoc): ScriptRunView {
  return {
    id: doc._id,
    scriptId: doc.scriptId,
    machineId: doc.machineId,
    jobId: doc.jobId,
    status: doc.status,
    params: doc.params,
    envNames: doc.envNames,
    timeoutSeconds: doc.timeoutSeconds,
    scheduleId: doc.scheduleId,
    createdAt: doc.createdAt.toISOString(),
    startedAt: isoOrNull(doc.startedAt),
    finishedAt: isoOrNull(doc.finishedAt),
    exitCode: doc.exitCode,
    signal: doc.signal,
    timedOut: doc.timedOut,
    stdout: doc.stdout,
    stderr: doc.stderr,
    truncated: doc.truncated,
    error: doc.error,
  };
}
