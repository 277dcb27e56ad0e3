/**
 * The DigitalOcean network driver: VPCs of the cloud's regions as networks. A VPC has no subnets (a
 * droplet joins the VPC itself, its id given as the subnetId of a new machine), so subnets are listed as
 * none and refused before any call. DigitalOcean answers the delete of a region's default VPC, or of one
 * with members, with a 403 that reads like a missing permission: those two are told apart by looking.
 */
import { z } from 'zod';
import { ProviderAuthError, ProviderConflictError, ProviderRejectedError } from '../errors.js';
import type {
  CreateNetworkRequest,
  CreateSubnetRequest,
  NetworkDriver,
  NetworkRef,
  ProviderNetwork,
  ProviderSubnet,
} from '../network.js';
import {
  type DigitalOceanCloudConfig,
  type DigitalOceanDriverDeps,
  type DigitalOceanSetup,
  digitalOceanSetup,
  listAll,
  SERVICE,
} from './client.js';
import { NoContent, Vpc, VpcMember } from './schemas.js';

const NO_SUBNETS =
  "DigitalOcean VPCs have no subnets: a droplet joins the VPC itself; give the VPC's id as subnetId when creating a machine";

function toNetwork(v: Vpc): ProviderNetwork {
  return {
    externalId: v.id,
    name: v.name,
    cidr: v.ip_range,
    region: v.region,
    state: 'available',
    isDefault: v.default ?? false,
    tags: {},
  };
}

export class DigitalOceanNetworkDriver implements NetworkDriver {
  private readonly setup: DigitalOceanSetup;

  constructor(config: DigitalOceanCloudConfig, deps: DigitalOceanDriverDeps = {}) {
    this.setup = digitalOceanSetup(config, deps);
  }

  async listNetworks(): Promise<ProviderNetwork[]> {
    const vpcs = await listAll(this.setup.rest, '/vpcs', 'vpcs', Vpc, 'list VPCs');
    return vpcs.filter((v) => this.setup.regions.includes(v.region)).map(toNetwork);
  }

  async listSubnets(): Promise<ProviderSubnet[]> {
    return [];
  }

  /** DigitalOcean VPCs carry no tags: a request's tags are not kept. */
  async createNetwork(req: CreateNetworkRequest): Promise<ProviderNetwork> {
    const answer = await this.setup.rest.post({
      path: '/vpcs',
      body: { name: req.name, region: req.region, ...(req.cidr ? { ip_range: req.cidr } : {}) },
      schema: z.looseObject({ vpc: Vpc }),
      context: `create VPC ${req.name} in ${req.region}`,
    });
    return toNetwork(answer.vpc);
  }

  async deleteNetwork(ref: NetworkRef): Promise<void> {
    const id = encodeURIComponent(ref.externalId);
    const context = `delete VPC ${ref.externalId} in ${ref.region}`;
    try {
      await this.setup.rest.delete({ path: `/vpcs/${id}`, schema: NoContent, context });
    } catch (err) {
      if (!(err instanceof ProviderAuthError)) throw err;
      const why = await this.whyUndeletable(id, context);
      if (why) throw new ProviderConflictError(`${context}: ${why} (${SERVICE} said: ${err.message})`);
      throw err;
    }
  }

  /** Why DigitalOcean keeps the VPC: the region's default, or members in it; undefined if neither. */
  private async whyUndeletable(id: string, context: string): Promise<string | undefined> {
    const { vpc } = await this.setup.rest.get({
      path: `/vpcs/${id}`,
      schema: z.looseObject({ vpc: Vpc }),
      context,
    });
    if (vpc.default) return `it is the default VPC of ${vpc.region}, which cannot be deleted`;
    const members = await listAll(this.setup.rest, `/vpcs/${id}/members`, 'members', VpcMember, context);
    if (members.length === 0) return undefined;
    const named = members.slice(0, 5).map((m) => m.name ?? m.urn);
    return `it still has ${members.length} member(s): ${named.join(', ')}${members.length > 5 ? ', ...' : ''}`;
  }

  async createSubnet(_req: CreateSubnetRequest): Promise<ProviderSubnet> {
    throw new ProviderRejectedError(NO_SUBNETS);
  }

  async deleteSubnet(_ref: NetworkRef): Promise<void> {
    throw new ProviderRejectedError(NO_SUBNETS);
  }
}
