/**
 * Servers, their actions, server types, images, locations and SSH keys (docs.hetzner.cloud; paths as
 * hcloud-go calls them). A create answers 201 with the server, its action and a root_password when no
 * SSH key was given, as Hetzner does.
 */
import { createHash } from 'node:crypto';
import { HetznerHttpError } from './http-error.js';
import type { Route, RouteContext } from './route.js';
import { serverJson } from './server-json.js';
import type { FakeServer, FakeState, Json } from './state.js';

export const FAKE_ROOT_PASSWORD = 'fake-root-password-never-kept';

function lockedCheck(s: FakeServer): void {
  if (s.locked)
    throw new HetznerHttpError(423, 'locked', `server ${s.id} is locked: another action is running`);
}

function findImage(state: FakeState, idOrName: unknown): Json {
  const img = [...state.images.values()].find((i) => i.id === Number(idOrName) || i.name === idOrName);
  if (!img)
    throw new HetznerHttpError(422, 'invalid_input', 'invalid input in field image', invalidField('image'));
  return img;
}

function invalidField(name: string, message = 'is invalid') {
  return { fields: [{ name, messages: [message] }] };
}

function createServer({ state, body }: RouteContext) {
  const type = state.serverTypes.find((t) => t.name === body.server_type || t.id === body.server_type);
  if (!type)
    throw new HetznerHttpError(
      422,
      'invalid_input',
      'invalid input in field server_type',
      invalidField('server_type'),
    );
  const image = findImage(state, body.image);
  const location = state.locations.find((l) => l.name === body.location);
  if (!location)
    throw new HetznerHttpError(
      422,
      'invalid_input',
      'invalid input in field location',
      invalidField('location'),
    );
  const keys = (body.ssh_keys as unknown[] | undefined) ?? [];
  for (const k of keys) {
    if (![...state.sshKeys.values()].some((x) => x.id === k || x.name === k)) {
      throw new HetznerHttpError(404, 'not_found', `ssh_key ${String(k)} not found`);
    }
  }
  if ([...state.servers.values()].some((s) => s.name === body.name)) {
    throw new HetznerHttpError(409, 'uniqueness_error', 'server name is already used', invalidField('name'));
  }
  const networks = ((body.networks as number[] | undefined) ?? []).map((id) => state.network(String(id)));
  const server: FakeServer = {
    id: state.nextId(),
    name: String(body.name),
    status: 'initializing',
    created: state.now(),
    location: String(location.name),
    serverType: String(type.name),
    imageId: Number(image.id),
    labels: (body.labels as Record<string, string>) ?? {},
    privateNet: networks.map((n, i) => ({
      network: n.id,
      ip: `${n.ipRange.split('.').slice(0, 3).join('.')}.${2 + i}`,
    })),
    locked: false,
    ignoresShutdown: false,
  };
  state.servers.set(server.id, server);
  const action = state.action('create_server', [{ id: server.id, type: 'server' }], () => {
    server.status = 'running';
  });
  return {
    status: 201,
    body: {
      server: serverJson(state, server),
      action,
      next_actions: [],
      root_password: keys.length ? null : FAKE_ROOT_PASSWORD,
    },
  };
}

/** What each server action does once it succeeds; undefined: no such action. */
function serverAction(state: FakeState, s: FakeServer, name: string, body: Json): (() => void) | undefined {
  switch (name) {
    case 'poweron':
      return () => {
        s.status = 'running';
      };
    case 'poweroff':
      return () => {
        s.status = 'off';
      };
    case 'shutdown':
      return () => {
        if (!s.ignoresShutdown) s.status = 'off';
      };
    case 'reboot':
    case 'reset':
      return () => {
        s.status = 'running';
      };
    case 'change_type': {
      if (s.status !== 'off')
        throw new HetznerHttpError(409, 'server_not_stopped', 'server must be stopped to change its type');
      const type = state.serverTypes.find((t) => t.name === body.server_type);
      if (!type)
        throw new HetznerHttpError(
          422,
          'invalid_input',
          'invalid input in field server_type',
          invalidField('server_type'),
        );
      return () => {
        s.serverType = String(type.name);
      };
    }
    case 'rebuild': {
      const image = findImage(state, body.image);
      return () => {
        s.imageId = Number(image.id);
      };
    }
    default:
      return undefined;
  }
}

function createImage(state: FakeState, s: FakeServer, body: Json) {
  const id = state.nextId();
  const image: Json = {
    id,
    type: body.type ?? 'snapshot',
    status: 'creating',
    name: null,
    description: body.description ?? `${s.name}-${id}`,
    image_size: null,
    disk_size: 40,
    created: state.now(),
    created_from: { id: s.id, name: s.name },
    bound_to: null,
    os_flavor: 'debian',
    os_version: null,
    architecture: 'x86',
    rapid_deploy: false,
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels: body.labels ?? {},
  };
  state.images.set(id, image);
  const action = state.action(
    'create_image',
    [
      { id: s.id, type: 'server' },
      { id, type: 'image' },
    ],
    () => {
      image.status = 'available';
    },
  );
  return { status: 201, body: { image, action } };
}

function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

export const computeRoutes: Route[] = [
  [
    'GET',
    /^\/actions\/(\d+)$/,
    ({ state, params }) => ({ status: 200, body: { action: state.readAction(Number(params[0])) } }),
  ],
  [
    'GET',
    /^\/servers$/,
    ({ state, query }) => {
      const name = query.get('name');
      const all = [...state.servers.values()].filter((s) => !name || s.name === name);
      return {
        status: 200,
        body: state.page(
          'servers',
          all.map((s) => serverJson(state, s)),
          query,
        ),
      };
    },
  ],
  ['POST', /^\/servers$/, createServer],
  [
    'GET',
    /^\/servers\/(\d+)$/,
    ({ state, params }) => ({ status: 200, body: { server: serverJson(state, state.server(params[0]!)) } }),
  ],
  [
    'PUT',
    /^\/servers\/(\d+)$/,
    ({ state, params, body }) => {
      const s = state.server(params[0]!);
      if (typeof body.name === 'string') s.name = body.name;
      if (body.labels) s.labels = body.labels as Record<string, string>;
      return { status: 200, body: { server: serverJson(state, s) } };
    },
  ],
  [
    'DELETE',
    /^\/servers\/(\d+)$/,
    ({ state, params }) => {
      const s = state.server(params[0]!);
      lockedCheck(s);
      s.status = 'deleting';
      const action = state.action('delete_server', [{ id: s.id, type: 'server' }], () => {
        state.servers.delete(s.id);
      });
      return { status: 200, body: { action } };
    },
  ],
  [
    'POST',
    /^\/servers\/(\d+)\/actions\/([a-z_]+)$/,
    ({ state, params, body }) => {
      const s = state.server(params[0]!);
      lockedCheck(s);
      const name = params[1]!;
      if (name === 'create_image') return createImage(state, s, body);
      const done = serverAction(state, s, name, body);
      if (!done) throw new HetznerHttpError(404, 'not_found', `no server action ${name}`);
      const action = state.action(
        name === 'rebuild' ? 'rebuild_server' : `${name}_server`,
        [{ id: s.id, type: 'server' }],
        done,
      );
      return {
        status: 201,
        body: name === 'rebuild' ? { action, root_password: FAKE_ROOT_PASSWORD } : { action },
      };
    },
  ],
  [
    'GET',
    /^\/server_types$/,
    ({ state, query }) => ({ status: 200, body: state.page('server_types', state.serverTypes, query) }),
  ],
  [
    'GET',
    /^\/locations$/,
    ({ state, query }) => ({ status: 200, body: state.page('locations', state.locations, query) }),
  ],
  [
    'GET',
    /^\/images$/,
    ({ state, query }) => {
      const types = query.getAll('type');
      const all = [...state.images.values()].filter(
        (i) => types.length === 0 || types.includes(String(i.type)),
      );
      return { status: 200, body: state.page('images', all, query) };
    },
  ],
  [
    'GET',
    /^\/images\/(\d+)$/,
    ({ state, params }) => {
      const image = state.images.get(Number(params[0]));
      if (!image) throw new HetznerHttpError(404, 'not_found', `image with ID ${params[0]} not found`);
      return { status: 200, body: { image } };
    },
  ],
  [
    'DELETE',
    /^\/images\/(\d+)$/,
    ({ state, params }) => {
      if (!state.images.delete(Number(params[0])))
        throw new HetznerHttpError(404, 'not_found', `image with ID ${params[0]} not found`);
      return { status: 204 };
    },
  ],
  [
    'GET',
    /^\/ssh_keys$/,
    ({ state, query }) => {
      const fp = query.get('fingerprint');
      const all = [...state.sshKeys.values()].filter((k) => !fp || k.fingerprint === fp);
      return { status: 200, body: state.page('ssh_keys', all, query) };
    },
  ],
  [
    'POST',
    /^\/ssh_keys$/,
    ({ state, body }) => {
      const key: Json = {
        id: state.nextId(),
        name: body.name,
        fingerprint: fingerprint(String(body.public_key)),
        public_key: body.public_key,
        labels: {},
        created: state.now(),
      };
      if ([...state.sshKeys.values()].some((k) => k.fingerprint === key.fingerprint || k.name === key.name)) {
        throw new HetznerHttpError(
          409,
          'uniqueness_error',
          'SSH key with the same fingerprint already exists',
        );
      }
      state.sshKeys.set(Number(key.id), key);
      return { status: 201, body: { ssh_key: key } };
    },
  ],
];

/** A server placed directly in the fake's state, as if made outside Nimbo. */
export function seedServer(
  state: FakeState,
  name: string,
  location: string,
  status: 'running' | 'off',
): FakeServer {
  const server: FakeServer = {
    id: state.nextId(),
    name,
    status,
    created: state.now(),
    location,
    serverType: 'cx22',
    imageId: 101,
    labels: {},
    privateNet: [],
    locked: false,
    ignoresShutdown: false,
  };
  state.servers.set(server.id, server);
  return server;
}
