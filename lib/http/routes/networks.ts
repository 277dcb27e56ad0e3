/** Network routes: networks under a cloud, a network with its range and subnets, subnets under a network. */
import { z } from 'zod';
import { CloudId } from '../../model/cloud.js';
import {
  CreateNetworkBody,
  CreateSubnetBody,
  NetworkDetail,
  NetworkId,
  NetworkListQuery,
  NetworkPage,
  NetworkView,
  SubnetId,
  SubnetListQuery,
  SubnetPage,
  SubnetView,
} from '../../model/network.js';
import {
  createNetwork,
  createSubnet,
  deleteNetwork,
  deleteSubnet,
  getNetworkDetail,
  listNetworks,
  listSubnets,
} from '../../networks/networks.js';
import { defineRoute } from '../route.js';

const CloudParams = z.strictObject({ id: CloudId });
const NetworkParams = z.strictObject({ id: NetworkId });

export const networkRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/clouds/{id}/networks',
    operationId: 'listNetworks',
    summary: "A cloud's networks (VPCs; inventory, refreshed by every poll)",
    tag: 'networks',
    auth: 'viewer',
    params: CloudParams,
    query: NetworkListQuery,
    responses: { 200: { description: 'A page of networks', schema: NetworkPage } },
    handler: async ({ params, query, actor, deps }) => ({
      status: 200,
      body: await listNetworks(await deps(), actor.orgId, params.id, query),
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clouds/{id}/networks',
    operationId: 'createNetwork',
    summary: 'Create a network (AWS: a VPC, /16 to /28)',
    description:
      'The CIDR, its prefix, the name and the region are checked before the provider is called (422).',
    tag: 'networks',
    auth: 'operator',
    params: CloudParams,
    body: CreateNetworkBody,
    responses: { 201: { description: 'The network', schema: NetworkView } },
    handler: async ({ params, body, actor, deps, requestId }) => {
      const network = await createNetwork(await deps(), actor, params.id, body, requestId);
      return { status: 201, body: network, headers: { location: `/v1/networks/${network.id}` } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/networks/{id}',
    operationId: 'getNetwork',
    summary: 'A network with its address range, its subnets and how many machines it holds',
    tag: 'networks',
    auth: 'viewer',
    params: NetworkParams,
    responses: { 200: { description: 'The network', schema: NetworkDetail } },
    handler: async ({ params, actor, deps }) => ({
      status: 200,
      body: await getNetworkDetail(await deps(), actor.orgId, params.id),
    }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/networks/{id}',
    operationId: 'deleteNetwork',
    summary: 'Delete a network: 409 while it has subnets or machines',
    tag: 'networks',
    auth: 'operator',
    params: NetworkParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, actor, deps, requestId }) => {
      await deleteNetwork(await deps(), actor, params.id, requestId);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/networks/{id}/subnets',
    operationId: 'listSubnets',
    summary: "A network's subnets",
    tag: 'networks',
    auth: 'viewer',
    params: NetworkParams,
    query: SubnetListQuery,
    responses: { 200: { description: 'A page of subnets', schema: SubnetPage } },
    handler: async ({ params, query, actor, deps }) => ({
      status: 200,
      body: await listSubnets(await deps(), actor.orgId, params.id, query),
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/networks/{id}/subnets',
    operationId: 'createSubnet',
    summary: 'Create a subnet: inside the network, clear of its siblings, in a zone of its region',
    tag: 'networks',
    auth: 'operator',
    params: NetworkParams,
    body: CreateSubnetBody,
    responses: { 201: { description: 'The subnet', schema: SubnetView } },
    handler: async ({ params, body, actor, deps, requestId }) => ({
      status: 201,
      body: await createSubnet(await deps(), actor, params.id, body, requestId),
    }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/networks/{id}/subnets/{subnetId}',
    operationId: 'deleteSubnet',
    summary: 'Delete a subnet: 409 while machines are in it',
    tag: 'networks',
    auth: 'operator',
    params: z.strictObject({ id: NetworkId, subnetId: SubnetId }),
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, actor, deps, requestId }) => {
      await deleteSubnet(await deps(), actor, params.id, params.subnetId, requestId);
      return { status: 204 };
    },
  }),
];
