import { z } from 'zod';
import {
  CreateScriptBody,
  RunScriptBody,
  ScriptId,
  ScriptListQuery,
  ScriptPage,
  ScriptRunAccepted,
  ScriptRunId,
  ScriptRunListQuery,
  ScriptRunPage,
  ScriptRunView,
  ScriptView,
  UpdateScriptBody,
} from '../../model/script.js';
import { getScriptRun, listScriptRuns, requestScriptRun } from '../../scripts/runs.js';
import { createScript, deleteScript, findScript, listScripts, updateScript } from '../../scripts/scripts.js';
import { toScriptView } from '../../scripts/store.js';
import { type AnyRoute, defineRoute } from '../route.js';

const ScriptParams = z.strictObject({ id: ScriptId });

export const postScript = defineRoute({
  method: 'POST',
  path: '/v1/scripts',
  operationId: 'createScript',
  summary:
    'Add a script: executable (starts with #!) or ansible (a YAML list of plays), inline or by https URL',
  tag: 'scripts',
  auth: 'operator',
  body: CreateScriptBody,
  invalidBodyStatus: 422,
  responses: { 201: { description: 'The script', schema: ScriptView } },
  handler: async ({ body, actor, deps, requestId }) => {
    const script = await createScript(await deps(), actor, body, requestId);
    return { status: 201, body: script, headers: { location: `/v1/scripts/${script.id}` } };
  },
});

export const getScripts = defineRoute({
  method: 'GET',
  path: '/v1/scripts',
  operationId: 'listScripts',
  summary: "The org's scripts",
  tag: 'scripts',
  auth: 'viewer',
  query: ScriptListQuery,
  responses: { 200: { description: 'A page of scripts', schema: ScriptPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listScripts(await deps(), actor.orgId, query),
  }),
});

export const getScript = defineRoute({
  method: 'GET',
  path: '/v1/scripts/{id}',
  operationId: 'getScript',
  summary: 'A script',
  tag: 'scripts',
  auth: 'viewer',
  params: ScriptParams,
  responses: { 200: { description: 'The script', schema: ScriptView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: toScriptView(await findScript(await deps(), actor.orgId, params.id)),
  }),
});

export const patchScript = defineRoute({
  method: 'PATCH',
  path: '/v1/scripts/{id}',
  operationId: 'updateScript',
  summary: "Rename a script, change its description or its source (its kind's rules apply)",
  tag: 'scripts',
  auth: 'operator',
  params: ScriptParams,
  body: UpdateScriptBody,
  invalidBodyStatus: 422,
  responses: { 200: { description: 'The script', schema: ScriptView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await updateScript(await deps(), actor, params.id, body, requestId),
  }),
});

export const deleteScriptRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/scripts/{id}',
  operationId: 'deleteScript',
  summary: 'Delete a script (its run history stays)',
  tag: 'scripts',
  auth: 'operator',
  params: ScriptParams,
  responses: { 204: { description: 'Deleted' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await deleteScript(await deps(), actor, params.id, requestId);
    return { status: 204 };
  },
});

export const postScriptRun = defineRoute({
  method: 'POST',
  path: '/v1/scripts/{id}/run',
  operationId: 'runScript',
  summary: 'Run a script on a machine, or on the machines some conditions select',
  description:
    'One job and one run per machine. Parameters are passed as separate arguments (ansible: name=value ' +
    'extra vars), never through a shell; environment values are sealed in the job. The remote process is ' +
    'killed at timeoutSeconds. Follow the runs with GET /v1/scripts/{id}/runs/{runId}.',
  tag: 'scripts',
  auth: 'operator',
  params: ScriptParams,
  body: RunScriptBody,
  invalidBodyStatus: 422,
  responses: { 202: { description: 'The queued runs', schema: ScriptRunAccepted } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 202,
    body: await requestScriptRun(await deps(), actor, params.id, body, requestId),
  }),
});

export const getScriptRuns = defineRoute({
  method: 'GET',
  path: '/v1/scripts/{id}/runs',
  operationId: 'listScriptRuns',
  summary: "A script's runs, newest first",
  tag: 'scripts',
  auth: 'viewer',
  params: ScriptParams,
  query: ScriptRunListQuery,
  responses: { 200: { description: 'A page of runs', schema: ScriptRunPage } },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await listScriptRuns(await deps(), actor.orgId, params.id, query),
  }),
});

export const getScriptRunRoute = defineRoute({
  method: 'GET',
  path: '/v1/scripts/{id}/runs/{runId}',
  operationId: 'getScriptRun',
  summary: 'One run: start, end, exit code, stdout and stderr (capped, with a truncation marker)',
  tag: 'scripts',
  auth: 'viewer',
  params: z.strictObject({ id: ScriptId, runId: ScriptRunId }),
  responses: { 200: { description: 'The run', schema: ScriptRunView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getScriptRun(await deps(), actor.orgId, params.id, params.runId),
  }),
});

export const scriptRoutes: AnyRoute[] = [
  postScript,
  getScripts,
  getScript,
  patchScript,
  deleteScriptRoute,
  postScriptRun,
  getScriptRuns,
  getScriptRunRoute,
];
