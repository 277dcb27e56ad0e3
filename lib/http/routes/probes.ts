import { z } from 'zod';
import { CloudId } from '../../model/cloud.js';
import { JobAccepted } from '../../model/job.js';
import { ProbeListQuery, ProbePage, ProbeSettingsView, UpdateProbeSettingsBody } from '../../model/probe.js';
import { getProbeSettings, listProbes, requestProbe, updateProbeSettings } from '../../probes/requests.js';
import { defineRoute } from '../route.js';
import { accepted } from './accepted.js';
import { MachineParams } from './machines.js';

const CloudParams = z.strictObject({ id: CloudId });

export const getMachineProbes = defineRoute({
  method: 'GET',
  path: '/v1/machines/{id}/probes',
  operationId: 'listMachineProbes',
  summary: "A machine's probe history, newest first",
  description: "TCP reachability probes and SSH probes, kept for the cloud's probe retention.",
  tag: 'probes',
  auth: 'viewer',
  params: MachineParams,
  query: ProbeListQuery,
  responses: { 200: { description: 'A page of probe results', schema: ProbePage } },
  handler: async ({ params, query, actor, deps }) => ({
    status: 200,
    body: await listProbes(await deps(), actor.orgId, params.id, query),
  }),
});

export const postMachineProbe = defineRoute({
  method: 'POST',
  path: '/v1/machines/{id}/probe',
  operationId: 'probeMachine',
  summary: 'Probe a machine now',
  description:
    'A TCP connect probe (N attempts to the SSH port or the configured port), then an SSH probe where a ' +
    "key is associated. Runs as a job; the job's result holds the probe, which also becomes the machine's " +
    'latest. Machines of sim clouds are probed by the simulator, never over the network.',
  tag: 'probes',
  auth: 'operator',
  params: MachineParams,
  responses: { 202: { description: 'The probe job', schema: JobAccepted } },
  handler: async ({ params, actor, deps, requestId }) =>
    accepted(await requestProbe(await deps(), actor, params.id, requestId)),
});

export const getCloudProbeSettings = defineRoute({
  method: 'GET',
  path: '/v1/clouds/{id}/probe-settings',
  operationId: 'getCloudProbeSettings',
  summary: "A cloud's probe settings (its provider's defaults until set)",
  tag: 'probes',
  auth: 'viewer',
  params: CloudParams,
  responses: { 200: { description: 'The settings', schema: ProbeSettingsView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: await getProbeSettings(await deps(), actor.orgId, params.id),
  }),
});

export const patchCloudProbeSettings = defineRoute({
  method: 'PATCH',
  path: '/v1/clouds/{id}/probe-settings',
  operationId: 'updateCloudProbeSettings',
  summary: "Change a cloud's probe settings: periodic probes on or off, interval, port, retention",
  tag: 'probes',
  auth: 'admin',
  params: CloudParams,
  body: UpdateProbeSettingsBody,
  responses: { 200: { description: 'The settings now', schema: ProbeSettingsView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await updateProbeSettings(await deps(), actor, params.id, body, requestId),
  }),
});

export const probeRoutes = [
  getMachineProbes,
  postMachineProbe,
  getCloudProbeSettings,
  patchCloudProbeSettings,
];
