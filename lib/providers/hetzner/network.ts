/**
 * The Hetzner Cloud network driver: networks span the project (region "global") with a range of their
 * own; subnets sit in network zones (eu-central) and are added and deleted with network actions. A
 * subnet's name lives in a label of its network (network-mapping.ts).
 */
import { z } from 'zod';
import { addressInCidr, parseCidr4, parseIPv4 } from '../../net/ipv4.js';
import { HETZNER_NETWORK_ZONES } from '../../net/network-rules.js';
import { ProviderConflictError } from '../errors.js';
import type {
  CreateNetworkRequest,
  CreateSubnetRequest,
  NetworkDriver,
  NetworkRef,
  ProviderNetwork,
  ProviderSubnet,
} from '../network.js';
import type { RestClient } from '../rest/client.js';
import { ActionEnvelope, type ActionWaiter, actionWaiter } from './actions.js';
import { type HetznerDriverConfig, type HetznerDriverDeps, hetznerClient, listAll } from './client.js';
import { checkLabels } from './labels.js';
import {
  type HetznerNetwork,
  mapNetwork,
  mapSubnets,
  NetworkSchema,
  parseSubnetId,
  subnetLabelKey,
} from './network-mapping.js';
import { ServerSchema } from './schemas.js';

const NetworkEnvelope = z.looseObject({ network: NetworkSchema });

export class HetznerNetworkDriver implements NetworkDriver {
  private readonly rest: RestClient;
  private readonly waiter: ActionWaiter;

  constructor(config: HetznerDriverConfig, deps: HetznerDriverDeps = {}) {
    this.rest = hetznerClient(config, deps);
    this.waiter = actionWaiter(this.rest, deps);
  }

  async listNetworks(): Promise<ProviderNetwork[]> {
    return (await this.networks()).map(mapNetwork);
  }

  async listSubnets(): Promise<ProviderSubnet[]> {
    return (await this.networks()).flatMap(mapSubnets);
  }

  async createNetwork(req: CreateNetworkRequest): Promise<ProviderNetwork> {
    const context = `create network ${req.name}`;
    const made = await this.rest.post({
      path: '/networks',
      body: { name: req.name, ip_range: req.cidr, labels: checkLabels(req.tags ?? {}, context) },
      schema: NetworkEnvelope,
      context,
    });
    return mapNetwork(made.network);
  }

  /** Hetzner deletes a network's subnets with it. */
  async deleteNetwork(ref: NetworkRef): Promise<void> {
    await this.rest.delete({
      path: `/networks/${ref.externalId}`,
      schema: z.unknown(),
      context: `delete network ${ref.externalId}`,
    });
  }

  async createSubnet(req: CreateSubnetRequest): Promise<ProviderSubnet> {
    const context = `add subnet ${req.name} (${req.cidr}) to network ${req.networkExternalId}`;
    const key = subnetLabelKey(req.cidr);
    checkLabels({ [key]: req.name }, context);
    const started = await this.rest.post({
      path: `/networks/${req.networkExternalId}/actions/add_subnet`,
      // A location (fsn1) is taken for its network zone (eu-central), which is what Hetzner wants.
      body: {
        type: 'cloud',
        ip_range: req.cidr,
        network_zone: HETZNER_NETWORK_ZONES[req.region] ?? req.region,
      },
      schema: ActionEnvelope,
      context,
    });
    await this.waiter.wait(started.action, context);
    // Named only once it exists, so a refused subnet leaves no label behind.
    const network = await this.network(req.networkExternalId, context);
    const labeled = await this.relabel(network, { ...network.labels, [key]: req.name }, context);
    const subnet = mapSubnets(labeled).find((s) => s.cidr === req.cidr);
    if (!subnet) throw new ProviderConflictError(`${context}: Hetzner Cloud does not list the new subnet`);
    return subnet;
  }

  /** A subnet holding servers is refused before any change, whatever Hetzner would say. */
  async deleteSubnet(ref: NetworkRef): Promise<void> {
    const { networkId, ipRange } = parseSubnetId(ref.externalId);
    const context = `delete subnet ${ipRange} of network ${networkId}`;
    const network = await this.network(networkId, context);
    const busy = await this.serversIn(network, ipRange, context);
    if (busy.length) {
      throw new ProviderConflictError(
        `${context}: servers ${busy.join(', ')} are attached to it; detach or delete them first`,
      );
    }
    const started = await this.rest.post({
      path: `/networks/${networkId}/actions/delete_subnet`,
      body: { ip_range: ipRange },
      schema: ActionEnvelope,
      context,
    });
    await this.waiter.wait(started.action, context);
    const after = await this.network(networkId, context);
    const { [subnetLabelKey(ipRange)]: _gone, ...labels } = after.labels ?? {};
    await this.relabel(after, labels, context);
  }

  private networks(): Promise<HetznerNetwork[]> {
    return listAll(this.rest, { path: '/networks', context: 'list networks' }, 'networks', NetworkSchema);
  }

  private async network(id: string, context: string): Promise<HetznerNetwork> {
    return (await this.rest.get({ path: `/networks/${id}`, schema: NetworkEnvelope, context })).network;
  }

  /** PUT replaces a network's labels: the whole set is sent. */
  private async relabel(n: HetznerNetwork, labels: Record<string, string>, context: string) {
    return (
      await this.rest.put({ path: `/networks/${n.id}`, body: { labels }, schema: NetworkEnvelope, context })
    ).network;
  }

  private async serversIn(n: HetznerNetwork, ipRange: string, context: string): Promise<string[]> {
    const range = parseCidr4(ipRange);
    if (!range.ok) return [];
    const busy: string[] = [];
    for (const id of n.servers ?? []) {
      const { server } = await this.rest.get({
        path: `/servers/${id}`,
        schema: z.looseObject({ server: ServerSchema }),
        context,
      });
      const inside = (server.private_net ?? []).some(
        (p) => p.network === n.id && addressInCidr(parseIPv4(p.ip) ?? -1, range.cidr),
      );
      if (inside) busy.push(String(id));
    }
    return busy;
  }
}
