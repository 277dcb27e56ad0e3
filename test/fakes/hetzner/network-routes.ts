/**
 * Networks and their subnets (docs.hetzner.cloud "Networks"): a network has a range of its own, its
 * subnets sit in network zones inside it, add_subnet and delete_subnet are actions, and deleting a
 * network takes its subnets. Servers join a network with an address in one of its subnets.
 */
import { addressInCidr, cidrContains, cidrsOverlap, parseCidr4, parseIPv4 } from '../../../lib/net/ipv4.js';
import { HetznerHttpError } from './http-error.js';
import type { Route } from './route.js';
import type { FakeNetwork, FakeState, Json } from './state.js';

function cidr(text: string, field: string) {
  const parsed = parseCidr4(text);
  if (!parsed.ok) {
    throw new HetznerHttpError(422, 'invalid_input', `invalid input in field ${field}`, {
      fields: [{ name: field, messages: [parsed.reason] }],
    });
  }
  return parsed.cidr;
}

/** Servers of the fake whose address in this network lies in `range` (or anywhere in it). */
export function serversIn(state: FakeState, n: FakeNetwork, range?: string): number[] {
  const c = range ? cidr(range, 'ip_range') : undefined;
  return [...state.servers.values()]
    .filter((s) =>
      s.privateNet.some((p) => p.network === n.id && (!c || addressInCidr(parseIPv4(p.ip) ?? -1, c))),
    )
    .map((s) => s.id);
}

export function networkJson(state: FakeState, n: FakeNetwork): Json {
  return {
    id: n.id,
    name: n.name,
    created: n.created,
    ip_range: n.ipRange,
    subnets: n.subnets,
    routes: [],
    servers: serversIn(state, n),
    load_balancers: [],
    protection: { delete: false },
    labels: n.labels,
    expose_routes_to_vswitch: false,
  };
}

function addSubnet(state: FakeState, n: FakeNetwork, body: Json): Json {
  const range = String(body.ip_range ?? '');
  const c = cidr(range, 'ip_range');
  if (!cidrContains(cidr(n.ipRange, 'ip_range'), c)) {
    throw new HetznerHttpError(422, 'invalid_input', 'ip_range must be inside the network ip_range');
  }
  const clash = n.subnets.find((s) => cidrsOverlap(cidr(s.ip_range, 'ip_range'), c));
  if (clash) {
    throw new HetznerHttpError(422, 'invalid_input', `ip_range overlaps with subnet ${clash.ip_range}`);
  }
  const zones = new Set(state.locations.map((l) => l.network_zone));
  if (!zones.has(body.network_zone)) {
    throw new HetznerHttpError(422, 'invalid_input', 'invalid input in field network_zone');
  }
  const gateway = n.ipRange.replace(/\d+\/\d+$/, '1');
  return state.action('add_subnet', [{ id: n.id, type: 'network' }], () => {
    n.subnets.push({
      type: String(body.type ?? 'cloud'),
      ip_range: range,
      network_zone: String(body.network_zone),
      gateway,
    });
  });
}

function deleteSubnet(state: FakeState, n: FakeNetwork, body: Json): Json {
  const range = String(body.ip_range ?? '');
  if (!n.subnets.some((s) => s.ip_range === range)) {
    throw new HetznerHttpError(404, 'not_found', `subnet ${range} not found`);
  }
  if (serversIn(state, n, range).length) {
    throw new HetznerHttpError(409, 'resource_in_use', `subnet ${range} has attached servers`);
  }
  return state.action('delete_subnet', [{ id: n.id, type: 'network' }], () => {
    n.subnets = n.subnets.filter((s) => s.ip_range !== range);
  });
}

export const networkRoutes: Route[] = [
  [
    'GET',
    /^\/networks$/,
    ({ state, query }) => ({
      status: 200,
      body: state.page(
        'networks',
        [...state.networks.values()].map((n) => networkJson(state, n)),
        query,
      ),
    }),
  ],
  [
    'GET',
    /^\/networks\/(\d+)$/,
    ({ state, params }) => ({
      status: 200,
      body: { network: networkJson(state, state.network(params[0]!)) },
    }),
  ],
  [
    'POST',
    /^\/networks$/,
    ({ state, body }) => {
      const c = cidr(String(body.ip_range ?? ''), 'ip_range');
      if (c.prefix > 24 || c.prefix < 8)
        throw new HetznerHttpError(422, 'invalid_input', 'ip_range must be /8 to /24');
      if ([...state.networks.values()].some((n) => n.name === body.name)) {
        throw new HetznerHttpError(409, 'uniqueness_error', 'network name is already used');
      }
      const n: FakeNetwork = {
        id: state.nextId(),
        name: String(body.name),
        created: state.now(),
        ipRange: String(body.ip_range),
        subnets: [],
        labels: (body.labels as Record<string, string>) ?? {},
      };
      state.networks.set(n.id, n);
      return { status: 201, body: { network: networkJson(state, n) } };
    },
  ],
  [
    'PUT',
    /^\/networks\/(\d+)$/,
    ({ state, params, body }) => {
      const n = state.network(params[0]!);
      if (typeof body.name === 'string') n.name = body.name;
      if (body.labels) n.labels = body.labels as Record<string, string>;
      return { status: 200, body: { network: networkJson(state, n) } };
    },
  ],
  [
    'DELETE',
    /^\/networks\/(\d+)$/,
    ({ state, params }) => {
      const n = state.network(params[0]!);
      if (serversIn(state, n).length)
        throw new HetznerHttpError(409, 'resource_in_use', 'network has attached servers');
      state.networks.delete(n.id);
      return { status: 204 };
    },
  ],
  [
    'POST',
    /^\/networks\/(\d+)\/actions\/(add_subnet|delete_subnet)$/,
    ({ state, params, body }) => {
      const n = state.network(params[0]!);
      const action = params[1] === 'add_subnet' ? addSubnet(state, n, body) : deleteSubnet(state, n, body);
      return { status: 201, body: { action } };
    },
  ],
];
