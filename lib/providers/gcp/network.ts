/**
 * The GCP network driver: custom-mode VPC networks (global, no range of their own) and their regional
 * subnetworks, through the official client's NetworksClient and SubnetworksClient on REST. Subnetworks
 * are listed in the cloud's configured regions only, like its machines. Mutations wait for their
 * operation, so a returned delete really deleted; GCE's own refusals (a network with subnetworks, a
 * subnetwork with instances, an overlapping range) come back as ProviderConflictError.
 */
import { ProviderError } from '../../core/errors.js';
import { GLOBAL_REGION } from '../../net/network-rules.js';
import { ProviderRejectedError } from '../errors.js';
import type * as Net from '../network.js';
import { createClients, type GceClients } from './client.js';
import { lastSegment } from './mapping.js';
import { type GceNetwork, parseSubnetId, toProviderNetwork, toProviderSubnet } from './network-mapping.js';
import { mutateAndWait } from './operations.js';
import { type GcpDriverConfig, GcpSession, type GcpSessionDeps } from './session.js';

export class GcpNetworkDriver implements Net.NetworkDriver {
  private readonly s: GcpSession<GceClients>;

  constructor(config: GcpDriverConfig, deps: GcpSessionDeps = {}) {
    this.s = new GcpSession(config, deps, (c, now) => createClients(c.credentials, c.endpoint, now));
  }

  private get project() {
    return this.s.project;
  }

  private mutate(context: string, fn: (gce: GceClients) => Promise<unknown[]>): Promise<void> {
    return mutateAndWait(this.s, context, fn);
  }

  private async rawNetworks(): Promise<GceNetwork[]> {
    return this.s.call(`networks.list in project ${this.project}`, async (gce) => {
      const out: GceNetwork[] = [];
      const request = { project: this.project, maxResults: 500 };
      for await (const n of gce.networks.listAsync(request, this.s.pagedOptions)) out.push(n);
      return out;
    });
  }

  async listNetworks(): Promise<Net.ProviderNetwork[]> {
    return (await this.rawNetworks()).map(toProviderNetwork);
  }

  async listSubnets(): Promise<Net.ProviderSubnet[]> {
    return this.s.call(`subnetworks.aggregatedList in project ${this.project}`, async (gce) => {
      const out: Net.ProviderSubnet[] = [];
      const request = { project: this.project, maxResults: 500 };
      for await (const [scope, list] of gce.subnetworks.aggregatedListAsync(request, this.s.pagedOptions)) {
        const region = lastSegment(scope);
        if (!this.s.regions.includes(region)) continue;
        // A 200 with a region flagged unreachable is a partial answer: the subnets missing would look deleted.
        if (list.warning?.code === 'UNREACHABLE') {
          throw new ProviderError(
            `subnetworks.aggregatedList: region ${region} is unreachable: ${list.warning.message}`,
          );
        }
        for (const s of list.subnetworks ?? []) out.push(toProviderSubnet(s));
      }
      return out;
    });
  }

  private async getNetwork(nameOrId: string): Promise<GceNetwork> {
    const [n] = await this.s.call(`networks.get ${nameOrId}`, (gce) =>
      gce.networks.get({ project: this.project, network: nameOrId }, this.s.callOptions),
    );
    return n;
  }

  /**
   * A custom-mode network: GCE's auto mode would make a subnetwork in every region on its own. `tags`
   * are not kept: GCE networks have no labels.
   */
  async createNetwork(req: Net.CreateNetworkRequest): Promise<Net.ProviderNetwork> {
    if (req.region !== GLOBAL_REGION) {
      throw new ProviderRejectedError(
        `GCP networks are global: region must be "${GLOBAL_REGION}" (got ${req.region})`,
      );
    }
    await this.mutate(`networks.insert ${req.name}`, (gce) =>
      gce.networks.insert(
        {
          project: this.project,
          networkResource: {
            name: req.name,
            autoCreateSubnetworks: false,
            routingConfig: { routingMode: 'REGIONAL' },
          },
        },
        this.s.callOptions,
      ),
    );
    return toProviderNetwork(await this.getNetwork(req.name));
  }

  async deleteNetwork(ref: Net.NetworkRef): Promise<void> {
    await this.mutate(`networks.delete ${ref.externalId}`, (gce) =>
      gce.networks.delete({ project: this.project, network: ref.externalId }, this.s.callOptions),
    );
  }

  async createSubnet(req: Net.CreateSubnetRequest): Promise<Net.ProviderSubnet> {
    // Read first: an unknown network is a ProviderNotFoundError, not GCE's 400 about a field.
    const network = await this.getNetwork(req.networkExternalId);
    const where = `subnetworks.insert ${req.name} in ${req.region}`;
    await this.mutate(where, (gce) =>
      gce.subnetworks.insert(
        {
          project: this.project,
          region: req.region,
          subnetworkResource: { name: req.name, network: network.selfLink ?? '', ipCidrRange: req.cidr },
        },
        this.s.callOptions,
      ),
    );
    const [made] = await this.s.call(`subnetworks.get ${req.name} in ${req.region}`, (gce) =>
      gce.subnetworks.get(
        { project: this.project, region: req.region, subnetwork: req.name },
        this.s.callOptions,
      ),
    );
    return toProviderSubnet(made);
  }

  /** The ref's externalId is `<region>/<name>`, as listed. */
  async deleteSubnet(ref: Net.NetworkRef): Promise<void> {
    const { region, name } = parseSubnetId(ref.externalId, ref.region);
    await this.mutate(`subnetworks.delete ${name} in ${region}`, (gce) =>
      gce.subnetworks.delete({ project: this.project, region, subnetwork: name }, this.s.callOptions),
    );
  }
}
