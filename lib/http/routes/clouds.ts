import { z } from 'zod';
import { listCatalog } from '../../clouds/catalog.js';
import {
  createCloud,
  deleteCloud,
  listClouds,
  requestPoll,
  toCloudView,
  updateCloud,
} from '../../clouds/clouds.js';
import { findCloud } from '../../db/lookups.js';
import { registerHost } from '../../inventory/ssh-hosts.js';
import { requestCreateMachine, toMachineView } from '../../machines/machines.js';
import {
  CatalogImage,
  CatalogLocation,
  CatalogSize,
  CloudId,
  CloudListQuery,
  CloudPage,
  CloudView,
  CreateCloudBody,
  UpdateCloudBody,
} from '../../model/cloud.js';
import { JobAccepted } from '../../model/job.js';
import { CreateMachineBody, MachineView } from '../../model/machine.js';
import { RegisterHostBody } from '../../model/ssh-host.js';
import { defineRoute } from '../route.js';
import { accepted } from './accepted.js';

const CloudParams = z.strictObject({ id: CloudId });

export const postCloud = defineRoute({
  method: 'POST',
  path: '/v1/clouds',
  operationId: 'createCloud',
  summary: 'Add a cloud: its credentials are checked against the provider before it is saved',
  description: 'The "sim" provider is a simulator, for local mode, demos and tests: it is not a real cloud.',
  tag: 'clouds',
  auth: 'admin',
  body: CreateCloudBody,
  responses: {
    201: {
      description: 'The cloud; its first inventory poll is queued',
      schema: z.object({ cloud: CloudView, pollJobId: z.string() }).meta({ id: 'CloudCreated' }),
    },
  },
  handler: async ({ body, actor, deps, requestId }) => {
    const created = await createCloud(await deps(), actor, body, requestId);
    return { status: 201, body: created, headers: { location: `/v1/clouds/${created.cloud.id}` } };
  },
});

export const getClouds = defineRoute({
  method: 'GET',
  path: '/v1/clouds',
  operationId: 'listClouds',
  summary: "List the org's clouds",
  tag: 'clouds',
  auth: 'viewer',
  query: CloudListQuery,
  responses: { 200: { description: 'A page of clouds', schema: CloudPage } },
  handler: async ({ query, actor, deps }) => ({
    status: 200,
    body: await listClouds(await deps(), actor.orgId, query),
  }),
});

export const getCloud = defineRoute({
  method: 'GET',
  path: '/v1/clouds/{id}',
  operationId: 'getCloud',
  summary: 'A cloud (never its credentials)',
  tag: 'clouds',
  auth: 'viewer',
  params: CloudParams,
  responses: { 200: { description: 'The cloud', schema: CloudView } },
  handler: async ({ params, actor, deps }) => ({
    status: 200,
    body: toCloudView(await findCloud(await deps(), actor.orgId, params.id)),
  }),
});

export const patchCloud = defineRoute({
  method: 'PATCH',
  path: '/v1/clouds/{id}',
  operationId: 'updateCloud',
  summary: 'Rename a cloud, enable or disable it, or change its poll interval',
  tag: 'clouds',
  auth: 'admin',
  params: CloudParams,
  body: UpdateCloudBody,
  responses: { 200: { description: 'The updated cloud', schema: CloudView } },
  handler: async ({ params, body, actor, deps, requestId }) => ({
    status: 200,
    body: await updateCloud(await deps(), actor, params.id, body, requestId),
  }),
});

export const deleteCloudRoute = defineRoute({
  method: 'DELETE',
  path: '/v1/clouds/{id}',
  operationId: 'deleteCloud',
  summary: 'Remove a cloud; its machines stay in the inventory, marked missing',
  tag: 'clouds',
  auth: 'admin',
  params: CloudParams,
  responses: { 204: { description: 'Removed' } },
  handler: async ({ params, actor, deps, requestId }) => {
    await deleteCloud(await deps(), actor, params.id, requestId);
    return { status: 204 };
  },
});

export const postCloudPoll = defineRoute({
  method: 'POST',
  path: '/v1/clouds/{id}/poll',
  operationId: 'pollCloud',
  summary: 'Refresh the inventory of a cloud now',
  tag: 'clouds',
  auth: 'operator',
  params: CloudParams,
  responses: { 202: { description: 'The poll job', schema: JobAccepted } },
  handler: async ({ params, actor, deps, requestId }) =>
    accepted(await requestPoll(await deps(), actor, params.id, requestId)),
});

export const postCloudMachine = defineRoute({
  method: 'POST',
  path: '/v1/clouds/{id}/machines',
  operationId: 'createMachine',
  summary: 'Create a machine in a cloud, or register a host by address in an ssh cloud',
  description:
    'aws, gcp, azure and sim clouds take a CreateMachineRequest and answer 202 with the create job. ssh clouds ' +
    '(bring-your-own hosts) take a RegisterHostRequest ({address, port, user, keyId}) and answer 201 with ' +
    'the machine; nothing is done on the host until something runs there.',
  tag: 'machines',
  auth: 'operator',
  params: CloudParams,
  body: z.union([RegisterHostBody, CreateMachineBody]),
  responses: {
    201: { description: 'The registered host (ssh clouds)', schema: MachineView },
    202: { description: 'The create job', schema: JobAccepted },
  },
  handler: async ({ params, body, actor, deps, requestId }) => {
    const d = await deps();
    if ('address' in body) {
      const machine = await registerHost(d, actor, params.id, body, requestId);
      return {
        status: 201,
        body: toMachineView(machine),
        headers: { location: `/v1/machines/${machine._id}` },
      };
    }
    return accepted(await requestCreateMachine(d, actor, params.id, body, requestId));
  },
});

const CATALOG_ITEMS = { images: CatalogImage, sizes: CatalogSize, locations: CatalogLocation } as const;

function catalogRoute(kind: 'images' | 'sizes' | 'locations') {
  return defineRoute({
    method: 'GET',
    path: `/v1/clouds/{id}/${kind}`,
    operationId: `listCloud${kind[0]!.toUpperCase()}${kind.slice(1)}`,
    summary: `The ${kind} this cloud offers, asked of the provider`,
    tag: 'clouds',
    auth: 'viewer',
    params: CloudParams,
    responses: {
      200: {
        description: `The ${kind}`,
        schema: z.object({ items: z.array(CATALOG_ITEMS[kind]) }),
      },
    },
    handler: async ({ params, actor, deps }) => ({
      status: 200,
      body: { items: await listCatalog(await deps(), actor.orgId, params.id, kind) },
    }),
  });
}

export const getCloudImages = catalogRoute('images');
export const getCloudSizes = catalogRoute('sizes');
export const getCloudLocations = catalogRoute('locations');
