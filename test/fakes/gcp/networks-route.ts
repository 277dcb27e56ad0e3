/**
 * The VPC paths of the fake Compute Engine, as the compute/v1 API lays them out: global/networks[/{n}],
 * regions/{r}/subnetworks[/{s}] and aggregated/subnetworks. GCE's rules: names are RFC 1035 labels,
 * a subnetwork's primary range is /8 to /29 and may not overlap any other range of its network (in any
 * region: routes are global), and a network with subnetworks or a subnetwork with instances cannot be
 * deleted (the operation fails RESOURCE_IN_USE_BY_ANOTHER_RESOURCE). Paths take a name or the numeric id.
 * Every change lands when its operation completes.
 */
import type { ServerResponse } from 'node:http';
import { cidrsOverlap, formatIPv4, parseCidr4 } from '../../../lib/net/ipv4.js';
import type { GcpComputeFake } from './compute-fake.js';

export interface FakeNetwork {
  id: string;
  name: string;
  description: string;
  autoCreateSubnetworks: boolean;
}

export interface FakeSubnetwork {
  id: string;
  name: string;
  region: string;
  /** The network's name. */
  network: string;
  ipCidrRange: string;
  description: string;
}

/** One request to a VPC path: `name` is the resource's name or id, absent on the collection. */
interface VpcRequest {
  res: ServerResponse;
  url: URL;
  method: string;
  name: string | undefined;
  body: Record<string, unknown>;
}

const GCE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export class FakeVpc {
  readonly networks = new Map<string, FakeNetwork>(); // by name
  readonly subnetworks = new Map<string, FakeSubnetwork>(); // by region/name
  private seq = 0;

  constructor(private readonly fake: GcpComputeFake) {}

  get regions(): string[] {
    return [...new Set(this.fake.zones.map((z) => z.slice(0, -2)))];
  }

  network(nameOrId: string): FakeNetwork | undefined {
    return this.networks.get(nameOrId) ?? [...this.networks.values()].find((n) => n.id === nameOrId);
  }

  subnetwork(region: string, nameOrId: string): FakeSubnetwork | undefined {
    return (
      this.subnetworks.get(`${region}/${nameOrId}`) ??
      [...this.subnetworks.values()].find((s) => s.region === region && s.id === nameOrId)
    );
  }

  /** A network made outside Nimbo (the driver's listing must find it as it finds its own). */
  seedNetwork(name: string, overrides: Partial<FakeNetwork> = {}): FakeNetwork {
    const n = { id: String(7_000_000 + ++this.seq), name, description: '', autoCreateSubnetworks: false };
    Object.assign(n, overrides);
    this.networks.set(name, n);
    return n;
  }

  seedSubnetwork(region: string, name: string, network: string, ipCidrRange: string): FakeSubnetwork {
    const s = { id: String(8_000_000 + ++this.seq), name, region, network, ipCidrRange, description: '' };
    this.subnetworks.set(`${region}/${name}`, s);
    return s;
  }

  /** An instance put in the subnetwork (in the first zone of its region), as if made outside Nimbo. */
  attachInstance(region: string, subnetNameOrId: string, name = `vm-${this.seq + 1}`) {
    const s = this.subnetwork(region, subnetNameOrId);
    const zone = this.fake.zonesOf(region)[0];
    if (!s || !zone) throw new Error(`no subnetwork ${subnetNameOrId} in ${region}`);
    this.seq++;
    return this.fake.seed(zone, name, {
      subnetwork: this.fake.url(`regions/${region}/subnetworks/${s.name}`),
    });
  }

  networkJson(n: FakeNetwork) {
    const subnetworks = [...this.subnetworks.values()].filter((s) => s.network === n.name);
    return {
      kind: 'compute#network',
      id: n.id,
      name: n.name,
      description: n.description,
      autoCreateSubnetworks: n.autoCreateSubnetworks,
      subnetworks: subnetworks.map((s) => this.fake.url(`regions/${s.region}/subnetworks/${s.name}`)),
      routingConfig: { routingMode: 'REGIONAL' },
      creationTimestamp: '2026-01-02T03:04:05.000-08:00',
      selfLink: this.fake.url(`global/networks/${n.name}`),
    };
  }

  subnetworkJson(s: FakeSubnetwork) {
    const parsed = parseCidr4(s.ipCidrRange);
    const gateway = parsed.ok ? formatIPv4(parsed.cidr.network + 1) : '';
    return {
      kind: 'compute#subnetwork',
      id: s.id,
      name: s.name,
      description: s.description,
      network: this.fake.url(`global/networks/${s.network}`),
      ipCidrRange: s.ipCidrRange,
      gatewayAddress: gateway,
      region: this.fake.url(`regions/${s.region}`),
      stackType: 'IPV4_ONLY',
      purpose: 'PRIVATE',
      creationTimestamp: '2026-01-02T03:04:05.000-08:00',
      selfLink: this.fake.url(`regions/${s.region}/subnetworks/${s.name}`),
    };
  }

  /** Answers the request if its path is a VPC one; false otherwise. */
  route(res: ServerResponse, url: URL, method: string, p: string[], body: Record<string, unknown>): boolean {
    const [a, b, c, d] = p;
    if (a === 'global' && b === 'networks' && !d) {
      this.networksPath({ res, url, method, name: c, body });
      return true;
    }
    if (a === 'aggregated' && b === 'subnetworks' && !c && method === 'GET') {
      this.aggregated(res, url);
      return true;
    }
    if (a === 'regions' && b && c === 'subnetworks' && p.length <= 4) {
      this.subnetworksPath({ res, url, method, name: d, body }, b);
      return true;
    }
    return false;
  }

  private notFound(res: ServerResponse, path: string) {
    this.fake.error(
      res,
      404,
      'notFound',
      `The resource 'projects/${this.fake.project}/${path}' was not found`,
    );
  }

  private invalid(res: ServerResponse, message: string) {
    this.fake.error(res, 400, 'invalid', message);
  }

  private networksPath({ res, url, method, name, body }: VpcRequest) {
    const fake = this.fake;
    if (!name && method === 'GET') {
      const all = [...this.networks.values()].map((n) => this.networkJson(n));
      return fake.page(res, url, all, (items) => ({ kind: 'compute#networkList', items }));
    }
    if (!name && method === 'POST') {
      const n = String(body.name ?? '');
      if (!GCE_NAME.test(n)) return this.invalid(res, `Invalid value for field 'resource.name': '${n}'.`);
      if (this.networks.has(n)) {
        return fake.error(
          res,
          409,
          'alreadyExists',
          `The resource '${fake.url(`global/networks/${n}`)}' already exists`,
        );
      }
      const fields = {
        description: String(body.description ?? ''),
        autoCreateSubnetworks: body.autoCreateSubnetworks !== false,
      };
      const op = fake.operation('global', 'insert', fake.url(`global/networks/${n}`), () => {
        this.seedNetwork(n, fields);
      });
      return fake.send(res, 200, op);
    }
    const found = name ? this.network(name) : undefined;
    if (!found) return this.notFound(res, `global/networks/${name}`);
    if (method === 'GET') return fake.send(res, 200, this.networkJson(found));
    if (method !== 'DELETE') return fake.error(res, 405, 'badRequest', `${method} is not allowed here`);
    const target = fake.url(`global/networks/${found.name}`);
    const user = [...this.subnetworks.values()].find((s) => s.network === found.name);
    const inUse = user && {
      code: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
      message: `The network resource '${target}' is already being used by '${fake.url(`regions/${user.region}/subnetworks/${user.name}`)}'`,
      httpStatus: 400,
    };
    const op = fake.operation(
      'global',
      'delete',
      target,
      () => this.networks.delete(found.name),
      inUse || undefined,
    );
    return fake.send(res, 200, op);
  }

  private aggregated(res: ServerResponse, url: URL) {
    const all = [...this.subnetworks.values()];
    return this.fake.page(res, url, all, (items) => {
      const out: Record<string, unknown> = {};
      for (const r of this.regions) {
        const here = items.filter((s) => s.region === r).map((s) => this.subnetworkJson(s));
        const unreachable = { code: 'UNREACHABLE', message: `Scope regions/${r} is unreachable` };
        out[`regions/${r}`] = this.fake.unreachable.has(r)
          ? { warning: unreachable }
          : here.length
            ? { subnetworks: here }
            : { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope' } };
      }
      return { kind: 'compute#subnetworkAggregatedList', items: out };
    });
  }

  private subnetworksPath({ res, url, method, name, body }: VpcRequest, region: string) {
    const fake = this.fake;
    if (!this.regions.includes(region)) return this.notFound(res, `regions/${region}`);
    const scope = `regions/${region}`;
    if (!name && method === 'GET') {
      const all = [...this.subnetworks.values()].filter((s) => s.region === region);
      return fake.page(
        res,
        url,
        all.map((s) => this.subnetworkJson(s)),
        (items) => ({ items }),
      );
    }
    if (!name && method === 'POST') return this.insertSubnetwork(res, region, body);
    const found = name ? this.subnetwork(region, name) : undefined;
    if (!found) return this.notFound(res, `${scope}/subnetworks/${name}`);
    if (method === 'GET') return fake.send(res, 200, this.subnetworkJson(found));
    if (method !== 'DELETE') return fake.error(res, 405, 'badRequest', `${method} is not allowed here`);
    const target = fake.url(`${scope}/subnetworks/${found.name}`);
    const user = [...fake.instances.values()].find((i) => i.subnetwork === target);
    const inUse = user && {
      code: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
      message: `The subnetwork resource '${target}' is already being used by '${fake.url(`zones/${user.zone}/instances/${user.name}`)}'`,
      httpStatus: 400,
    };
    const apply = () => this.subnetworks.delete(`${region}/${found.name}`);
    return fake.send(res, 200, fake.operation(scope, 'delete', target, apply, inUse || undefined));
  }

  private insertSubnetwork(res: ServerResponse, region: string, body: Record<string, unknown>) {
    const fake = this.fake;
    const name = String(body.name ?? '');
    if (!GCE_NAME.test(name)) return this.invalid(res, `Invalid value for field 'resource.name': '${name}'.`);
    // A full or partial URL of the network, or (as GCE also takes) its bare name.
    const ref =
      String(body.network ?? '')
        .split('/')
        .pop() ?? '';
    const network = this.network(ref);
    if (!network) return this.notFound(res, `global/networks/${ref}`);
    const range = String(body.ipCidrRange ?? '');
    const parsed = parseCidr4(range);
    if (!parsed.ok || parsed.cidr.prefix < 8 || parsed.cidr.prefix > 29) {
      return this.invalid(
        res,
        `Invalid value for field 'resource.ipCidrRange': '${range}'. Invalid IPCidrRange.`,
      );
    }
    if (this.subnetworks.has(`${region}/${name}`)) {
      const link = fake.url(`regions/${region}/subnetworks/${name}`);
      return fake.error(res, 409, 'alreadyExists', `The resource '${link}' already exists`);
    }
    for (const s of this.subnetworks.values()) {
      const other = parseCidr4(s.ipCidrRange);
      if (s.network === network.name && other.ok && cidrsOverlap(other.cidr, parsed.cidr)) {
        return this.invalid(
          res,
          `Invalid IPCidrRange: ${range} conflicts with existing subnetwork '${s.name}' in region '${s.region}'.`,
        );
      }
    }
    const target = fake.url(`regions/${region}/subnetworks/${name}`);
    const op = fake.operation(`regions/${region}`, 'insert', target, () => {
      const made = this.seedSubnetwork(region, name, network.name, range);
      made.description = String(body.description ?? '');
    });
    return fake.send(res, 200, op);
  }
}
