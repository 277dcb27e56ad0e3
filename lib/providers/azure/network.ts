/**
 * The Azure network driver: virtual networks and their subnets across the subscription, in the cloud's
 * locations. A network's and a subnet's externalId is its ARM id, which names the resource group. Nimbo
 * creates virtual networks in `nimbo-<location>`. Azure answers a DELETE of something absent with 204
 * and a PUT of an existing name by changing it, so both are preceded by a GET: an unknown id is a
 * not-found and a taken name a conflict, never a silent success or an overwrite.
 */
import { ProviderConflictError, ProviderNotFoundError } from '../errors.js';
import type {
  CreateNetworkRequest,
  CreateSubnetRequest,
  NetworkDriver,
  NetworkRef,
  ProviderNetwork,
  ProviderSubnet,
} from '../network.js';
import { type AzureClients, collect } from './client.js';
import {
  parseSubnetId,
  parseVnetId,
  type SubnetName,
  toProviderNetwork,
  toProviderSubnet,
  type VnetName,
} from './network-mapping.js';
import { ensureResourceGroup, locationGroup } from './resource-group.js';
import { type AzureCloudConfig, type AzureDriverDeps, type AzureSetup, azureSetup } from './setup.js';

export class AzureNetworkDriver implements NetworkDriver {
  private readonly azure: AzureClients;
  private readonly setup: AzureSetup;

  constructor(config: AzureCloudConfig, deps: AzureDriverDeps = {}) {
    this.setup = azureSetup(config, deps);
    this.azure = this.setup.azure;
  }

  private vnetName(externalId: string): VnetName {
    const parsed = parseVnetId(externalId);
    if (!parsed)
      throw new ProviderNotFoundError(`Azure: ${externalId} is not the ARM id of a virtual network`);
    return parsed;
  }

  private subnetName(externalId: string): SubnetName {
    const parsed = parseSubnetId(externalId);
    if (!parsed) throw new ProviderNotFoundError(`Azure: ${externalId} is not the ARM id of a subnet`);
    return parsed;
  }

  /** The virtual network, or ProviderNotFoundError (ARM's 404 ResourceNotFound / ResourceGroupNotFound). */
  private async getVnet(n: VnetName, verb: string) {
    const network = await this.azure.network();
    return this.azure.call(`${verb} virtual network ${n.resourceGroup}/${n.vnet}`, () =>
      network.virtualNetworks.get(n.resourceGroup, n.vnet),
    );
  }

  /** Every page of the subscription's virtual networks (nextLink followed), in our locations. */
  private async vnets() {
    const network = await this.azure.network();
    const all = await this.azure.call('list virtual networks', () =>
      collect(network.virtualNetworks.listAll()),
    );
    return all.filter((v) => this.setup.inRegions(v.location));
  }

  async listNetworks(): Promise<ProviderNetwork[]> {
    return (await this.vnets()).map(toProviderNetwork);
  }

  /**
   * Each network's subnets, one paged listing per network. Any failing call fails the listing, but for
   * a network deleted since it was listed: it has no subnets left to show.
   */
  async listSubnets(): Promise<ProviderSubnet[]> {
    const network = await this.azure.network();
    const vnets = await this.vnets();
    const perVnet = await Promise.all(
      vnets.map(async (v) => {
        const n = this.vnetName(v.id ?? '');
        const subnets = await this.azure
          .call(`list subnets of ${n.resourceGroup}/${n.vnet}`, () =>
            collect(network.subnets.list(n.resourceGroup, n.vnet)),
          )
          .catch((err: unknown) => {
            if (err instanceof ProviderNotFoundError) return [];
            throw err;
          });
        const owner = { id: v.id ?? '', location: v.location ?? '' };
        return subnets.map((s) => toProviderSubnet(s, owner));
      }),
    );
    return perVnet.flat();
  }

  async createNetwork(req: CreateNetworkRequest): Promise<ProviderNetwork> {
    const location = req.region.toLowerCase();
    const group = locationGroup(location);
    const context = `create virtual network ${group}/${req.name}`;
    await this.refuseTakenName(group, req.name, context);
    await ensureResourceGroup(this.azure, group, location);
    const network = await this.azure.network();
    const made = await this.azure.call(context, () =>
      network.virtualNetworks.beginCreateOrUpdateAndWait(
        group,
        req.name,
        {
          location,
          tags: { ...req.tags },
          addressSpace: { addressPrefixes: req.cidr ? [req.cidr] : [] },
        },
        this.setup.poll,
      ),
    );
    return toProviderNetwork(made);
  }

  /** A PUT would turn the existing virtual network into the requested one (and drop its subnets). */
  private async refuseTakenName(group: string, name: string, context: string) {
    try {
      await this.getVnet({ resourceGroup: group, vnet: name }, 'look up');
    } catch (err) {
      if (err instanceof ProviderNotFoundError) return;
      throw err;
    }
    throw new ProviderConflictError(`Azure ${context}: a virtual network of that name already exists`);
  }

  /**
   * Azure deletes the network's empty subnets with it (AZURE_LIMITS.deleteWithSubnets); a subnet with a
   * NIC in it fails the delete with InUseSubnetCannotBeDeleted, a ProviderConflictError.
   */
  async deleteNetwork(ref: NetworkRef): Promise<void> {
    const n = this.vnetName(ref.externalId);
    await this.getVnet(n, 'delete');
    const network = await this.azure.network();
    await this.azure.call(`delete virtual network ${n.resourceGroup}/${n.vnet}`, () =>
      network.virtualNetworks.beginDeleteAndWait(n.resourceGroup, n.vnet, this.setup.poll),
    );
  }

  /**
   * A subnet of an existing network; a name already taken there is a conflict, a range overlapping a
   * sibling is Azure's NetcfgSubnetRangesOverlap, also a ProviderConflictError.
   */
  async createSubnet(req: CreateSubnetRequest): Promise<ProviderSubnet> {
    const n = this.vnetName(req.networkExternalId);
    const context = `create subnet ${n.resourceGroup}/${n.vnet}/${req.name}`;
    const vnet = await this.getVnet(n, 'create a subnet in');
    if ((vnet.subnets ?? []).some((s) => s.name?.toLowerCase() === req.name.toLowerCase())) {
      throw new ProviderConflictError(`Azure ${context}: a subnet of that name already exists`);
    }
    const network = await this.azure.network();
    const made = await this.azure.call(context, () =>
      network.subnets.beginCreateOrUpdateAndWait(
        n.resourceGroup,
        n.vnet,
        req.name,
        { addressPrefix: req.cidr },
        this.setup.poll,
      ),
    );
    return toProviderSubnet(made, {
      id: vnet.id ?? req.networkExternalId,
      location: vnet.location ?? req.region,
    });
  }

  /** A subnet with a NIC in it is refused by Azure (InUseSubnetCannotBeDeleted): a ProviderConflictError. */
  async deleteSubnet(ref: NetworkRef): Promise<void> {
    const n = this.subnetName(ref.externalId);
    const network = await this.azure.network();
    const where = `${n.resourceGroup}/${n.vnet}/${n.subnet}`;
    await this.azure.call(`delete subnet ${where}`, () =>
      network.subnets.get(n.resourceGroup, n.vnet, n.subnet),
    );
    await this.azure.call(`delete subnet ${where}`, () =>
      network.subnets.beginDeleteAndWait(n.resourceGroup, n.vnet, n.subnet, this.setup.poll),
    );
  }
}
