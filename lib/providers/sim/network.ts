/**
 * The simulated network driver: VPC-like networks and subnets with EC2's rules and refusals (CIDR limits,
 * a subnet inside its network and clear of its siblings, DependencyViolation while subnets or machines
 * depend on what is deleted). Machines created in a subnet (CreateMachineRequest.subnetId) count.
 */
import { randomBytes } from 'node:crypto';
import { checkNetworkRequest, checkSubnetRequest } from '../../net/network-rules.js';
import { ProviderConflictError, ProviderNotFoundError, ProviderRejectedError } from '../errors.js';
import {
  type CreateNetworkRequest,
  type CreateSubnetRequest,
  NETWORK_LIMITS,
  type NetworkDriver,
  type NetworkRef,
  type ProviderNetwork,
  type ProviderSubnet,
} from '../network.js';
import { SIM_LOCATIONS, SIM_REGIONS } from './catalog.js';
import { type SimCallDeps, type SimFaultSettings, simCallDeps, simulateCall } from './faults.js';
import type { SimNetStore } from './net-store.js';
import type { SimStore } from './store.js';
import { isVisible, settle } from './world.js';

export interface SimNetworkDeps {
  store: SimNetStore;
  machines: SimStore;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const LIMITS = NETWORK_LIMITS.sim!;

function ec2Id(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export class SimNetworkDriver implements NetworkDriver {
  private readonly callDeps: SimCallDeps;

  constructor(
    private readonly settings: SimFaultSettings,
    private readonly deps: SimNetworkDeps,
  ) {
    this.callDeps = simCallDeps(deps);
  }

  private call(operation: string) {
    return simulateCall(this.settings, this.callDeps, operation);
  }

  private checkRegion(region: string): void {
    if (!SIM_REGIONS.includes(region as (typeof SIM_REGIONS)[number])) {
      throw new ProviderRejectedError(`sim: InvalidParameterValue: unknown region ${region}`);
    }
  }

  /** Machines still there: a terminated one lingers a while but holds nothing; one shutting down still does. */
  private async machinesWhere(match: (m: { vpcId?: string; subnetId?: string }) => boolean): Promise<number> {
    const now = this.deps.now();
    return (await this.deps.machines.list())
      .map((m) => settle(m, now))
      .filter((m) => isVisible(m, now) && m.state !== 'terminated' && match(m)).length;
  }

  async listNetworks(): Promise<ProviderNetwork[]> {
    await this.call('DescribeVpcs');
    return this.deps.store.list('network');
  }

  async listSubnets(): Promise<ProviderSubnet[]> {
    await this.call('DescribeSubnets');
    return this.deps.store.list('subnet');
  }

  async createNetwork(req: CreateNetworkRequest): Promise<ProviderNetwork> {
    await this.call('CreateVpc');
    this.checkRegion(req.region);
    const check = checkNetworkRequest(req, LIMITS);
    if (!check.ok) {
      throw new ProviderRejectedError(
        `sim: InvalidVpc.Range: ${check.problems.map((p) => p.message).join('; ')}`,
      );
    }
    const network: ProviderNetwork = {
      externalId: ec2Id('vpc'),
      name: req.name,
      cidr: req.cidr ?? '',
      region: req.region,
      state: 'available',
      isDefault: false,
      tags: { ...req.tags, Name: req.name },
    };
    await this.deps.store.put('network', network.externalId, network);
    return network;
  }

  async deleteNetwork(ref: NetworkRef): Promise<void> {
    await this.call('DeleteVpc');
    const network = await this.deps.store.get('network', ref.externalId);
    if (!network || network.region !== ref.region) {
      throw new ProviderNotFoundError(
        `sim: InvalidVpcID.NotFound: The vpc ID '${ref.externalId}' does not exist`,
      );
    }
    const subnets = (await this.deps.store.list('subnet')).filter(
      (s) => s.networkExternalId === ref.externalId,
    );
    const machines = await this.machinesWhere((m) => m.vpcId === ref.externalId);
    if (subnets.length || machines) {
      throw new ProviderConflictError(
        `sim: DependencyViolation: The vpc '${ref.externalId}' has dependencies and cannot be deleted ` +
          `(${subnets.length} subnets, ${machines} machines)`,
      );
    }
    await this.deps.store.remove('network', ref.externalId);
  }

  async createSubnet(req: CreateSubnetRequest): Promise<ProviderSubnet> {
    await this.call('CreateSubnet');
    const network = await this.deps.store.get('network', req.networkExternalId);
    if (!network || network.region !== req.region) {
      throw new ProviderNotFoundError(
        `sim: InvalidVpcID.NotFound: The vpc ID '${req.networkExternalId}' does not exist in ${req.region}`,
      );
    }
    if (!SIM_LOCATIONS.some((l) => l.id === req.availabilityZone && l.region === req.region)) {
      throw new ProviderRejectedError(
        `sim: InvalidParameterValue: Value (${req.availabilityZone}) for parameter availabilityZone is invalid`,
      );
    }
    const siblings = (await this.deps.store.list('subnet')).filter(
      (s) => s.networkExternalId === network.externalId,
    );
    const check = checkSubnetRequest(req, network, siblings, LIMITS);
    if (!check.ok) {
      const messages = check.problems.map((p) => p.message).join('; ');
      if (check.problems.some((p) => p.message.includes('overlaps'))) {
        throw new ProviderConflictError(`sim: InvalidSubnet.Conflict: ${messages}`);
      }
      throw new ProviderRejectedError(`sim: InvalidSubnet.Range: ${messages}`);
    }
    const subnet: ProviderSubnet = {
      externalId: ec2Id('subnet'),
      networkExternalId: network.externalId,
      name: req.name,
      cidr: req.cidr,
      region: req.region,
      availabilityZone: req.availabilityZone ?? '',
      availableIps: 2 ** (32 - check.cidr.prefix) - LIMITS.reservedPerSubnet,
      state: 'available',
      tags: { ...req.tags, Name: req.name },
    };
    await this.deps.store.put('subnet', subnet.externalId, subnet);
    return subnet;
  }

  async deleteSubnet(ref: NetworkRef): Promise<void> {
    await this.call('DeleteSubnet');
    const subnet = await this.deps.store.get('subnet', ref.externalId);
    if (!subnet || subnet.region !== ref.region) {
      throw new ProviderNotFoundError(
        `sim: InvalidSubnetID.NotFound: The subnet ID '${ref.externalId}' does not exist`,
      );
    }
    const machines = await this.machinesWhere((m) => m.subnetId === ref.externalId);
    if (machines) {
      throw new ProviderConflictError(
        `sim: DependencyViolation: The subnet '${ref.externalId}' has dependencies and cannot be deleted (${machines} machines)`,
      );
    }
    await this.deps.store.remove('subnet', ref.externalId);
  }
}
