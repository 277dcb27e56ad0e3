/**
 * Droplets, droplet actions, actions, snapshots and the catalog of the DigitalOcean fake, as
 * droplets/*.yml, actions/*.yml, snapshots/*.yml, sizes, images and regions describe them. A droplet
 * action is refused with 422 as DigitalOcean refuses it: a droplet with an action running is locked, a
 * power action in the wrong power state and a resize of a droplet that is on say so in words.
 */
import type { FakeImage } from './catalog.js';
import type { Ctx, DigitalOceanFake, Route } from './fake.js';

export interface FakeDroplet {
  id: number;
  name: string;
  status: 'new' | 'active' | 'off' | 'archive';
  created_at: string;
  size_slug: string;
  imageRef: number;
  region: string;
  tags: string[];
  vpc_uuid: string;
  publicIp: string;
  privateIp: string;
  locked: boolean;
  sshKeys: Array<number | string>;
  userData?: string;
  /** A GPU droplet: GET /droplets lists it only with type=gpus. */
  gpu?: boolean;
}

export interface FakeAction {
  id: number;
  status: 'in-progress' | 'completed' | 'errored';
  type: string;
  started_at: string;
  completed_at: string | null;
  resource_id: number;
  region_slug: string;
  pollsLeft: number;
  apply: () => void;
}

const TAG = /^[a-zA-Z0-9_:-]{1,255}$/;
const NAME = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/;

export function dropletJson(fake: DigitalOceanFake, d: FakeDroplet) {
  const size = fake.sizes.find((s) => s.slug === d.size_slug)!;
  const image = fake.images.find((i) => i.id === d.imageRef);
  const region = fake.regions.find((r) => r.slug === d.region)!;
  const snapshots = fake.images.filter((i) => i.dropletId === d.id);
  return {
    id: d.id,
    name: d.name,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: size.disk,
    locked: d.locked,
    status: d.status,
    kernel: null,
    created_at: d.created_at,
    features: ['private_networking'],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: snapshots.map((s) => s.id),
    image: image ?? { id: d.imageRef, name: 'deleted', slug: null, regions: [] },
    volume_ids: [],
    size,
    size_slug: d.size_slug,
    networks: {
      v4: [
        { ip_address: d.privateIp, netmask: '255.255.240.0', gateway: '<nil>', type: 'private' },
        { ip_address: d.publicIp, netmask: '255.255.240.0', gateway: '127.0.0.1', type: 'public' },
      ],
      v6: [],
    },
    region,
    tags: d.tags,
    vpc_uuid: d.vpc_uuid,
  };
}

/** Puts a droplet in the world as if made outside Nimbo (running or off, no action pending). */
export function seedDroplet(
  fake: DigitalOceanFake,
  seed: {
    name: string;
    region: string;
    status?: FakeDroplet['status'];
    size?: string;
    vpc?: string;
    tags?: string[];
  },
): FakeDroplet {
  const id = 300000000 + fake.nextId();
  const d: FakeDroplet = {
    id,
    name: seed.name,
    status: seed.status ?? 'active',
    created_at: new Date('2026-11-01T08:00:00Z').toISOString(),
    size_slug: seed.size ?? 's-1vcpu-1gb',
    imageRef: fake.images[0]!.id,
    region: seed.region,
    tags: seed.tags ?? [],
    vpc_uuid: seed.vpc ?? fake.defaultVpc(seed.region)!.id,
    publicIp: `127.0.0.${(id % 250) + 1}`,
    privateIp: `10.${110 + fake.regions.findIndex((r) => r.slug === seed.region)}.0.${(id % 250) + 2}`,
    locked: false,
    sshKeys: [],
  };
  fake.droplets.set(id, d);
  return d;
}

function findImage(fake: DigitalOceanFake, ref: unknown) {
  return fake.images.find((i) =>
    typeof ref === 'number' ? i.id === ref : i.slug === ref || String(i.id) === ref,
  );
}

function createDroplet(fake: DigitalOceanFake, ctx: Ctx): true {
  const b = ctx.body;
  const fail = (message: string) => fake.error(ctx.res, 422, 'unprocessable_entity', message);
  const name = String(b.name ?? '');
  if (!NAME.test(name)) return fail('Name is invalid: only letters, numbers, periods and dashes');
  const region = fake.regions.find((r) => r.slug === b.region && r.available);
  if (!region) return fail('Region is not available');
  const size = fake.sizes.find((s) => s.slug === b.size);
  if (!size?.available || !size.regions.includes(region.slug))
    return fail('Size is not available in this region.');
  const image = findImage(fake, b.image);
  if (!image?.regions.includes(region.slug))
    return fail('You specified an invalid image for Droplet creation.');
  const tags = (b.tags ?? []) as unknown[];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && TAG.test(t))) {
    return fail('tags may contain letters, numbers, colons, dashes, and underscores');
  }
  const keys = (b.ssh_keys ?? []) as Array<number | string>;
  for (const k of keys) {
    if (!fake.sshKeys.some((s) => s.id === k || s.fingerprint === k))
      return fail(`ssh_keys: key ${k} not found`);
  }
  let vpc = fake.defaultVpc(region.slug)!;
  if (b.vpc_uuid !== undefined) {
    const given = fake.vpcs.get(String(b.vpc_uuid));
    if (!given || given.region !== region.slug)
      return fail("vpc_uuid: the VPC is not in the Droplet's region");
    vpc = given;
  }
  const d = seedDroplet(fake, {
    name,
    region: region.slug,
    status: 'new',
    size: size.slug,
    vpc: vpc.id,
    tags: tags as string[],
  });
  d.imageRef = image.id;
  d.sshKeys = keys;
  if (typeof b.user_data === 'string') d.userData = b.user_data;
  d.created_at = new Date().toISOString();
  const action = addAction(fake, d, 'create', () => {
    d.status = 'active';
  });
  return fake.json(ctx.res, 202, {
    droplet: dropletJson(fake, d),
    links: { actions: [{ id: action.id, rel: 'create', href: `${fake.url}/v2/actions/${action.id}` }] },
  });
}

function addAction(fake: DigitalOceanFake, d: FakeDroplet, type: string, effect: () => void): FakeAction {
  const action: FakeAction = {
    id: 800000000 + fake.nextId(),
    status: 'in-progress',
    type,
    started_at: new Date().toISOString(),
    completed_at: null,
    resource_id: d.id,
    region_slug: d.region,
    pollsLeft: fake.actionPolls,
    apply: () => {
      d.locked = false;
      if (fake.erroredActions.has(type)) {
        action.status = 'errored';
      } else {
        effect();
        action.status = 'completed';
      }
      action.completed_at = new Date().toISOString();
    },
  };
  fake.actions.set(action.id, action);
  d.locked = true;
  if (action.pollsLeft <= 0) action.apply();
  return action;
}

export function actionJson(fake: DigitalOceanFake, a: FakeAction) {
  const { pollsLeft: _p, apply: _a, ...shown } = a;
  return { ...shown, resource_type: 'droplet', region: fake.regions.find((r) => r.slug === a.region_slug) };
}

function setStatus(d: FakeDroplet, status: FakeDroplet['status']): void {
  d.status = status;
}

/** What the action would do to the droplet, or DigitalOcean's words for refusing it. */
function dropletAction(
  fake: DigitalOceanFake,
  d: FakeDroplet,
  b: Record<string, unknown>,
): (() => void) | string {
  const on = d.status === 'active';
  switch (b.type) {
    case 'power_on':
      return on ? 'Droplet is already powered on.' : () => setStatus(d, 'active');
    case 'shutdown':
      if (!on) return 'Droplet is already powered off.';
      return () => setStatus(d, fake.ignoreShutdown ? 'active' : 'off');
    case 'power_off':
      return on ? () => setStatus(d, 'off') : 'Droplet is already powered off.';
    case 'reboot':
      return on ? () => {} : 'Droplet is currently off. Please power it on to run this event.';
    case 'power_cycle':
      return () => setStatus(d, 'active');
    case 'resize': {
      if (on) return 'Droplet is currently on. Please power it off to run this event.';
      const size = fake.sizes.find((s) => s.slug === b.size);
      if (!size?.available || !size.regions.includes(d.region))
        return 'Size is not available in this region.';
      return () => {
        d.size_slug = size.slug;
      };
    }
    case 'rename':
      return typeof b.name === 'string' && NAME.test(b.name)
        ? () => {
            d.name = b.name as string;
          }
        : 'Name is invalid';
    case 'snapshot': {
      const name = typeof b.name === 'string' && b.name ? b.name : `${d.name}-${Date.now()}`;
      return () => {
        fake.images.push({
          id: 170000000 + fake.nextId(),
          name,
          type: 'snapshot',
          distribution: fake.images.find((i) => i.id === d.imageRef)?.distribution ?? 'Unknown',
          slug: null,
          public: false,
          regions: [d.region],
          created_at: new Date().toISOString(),
          min_disk_size: 25,
          size_gigabytes: 1.2,
          description: '',
          tags: [],
          status: 'available',
          dropletId: d.id,
        });
      };
    }
    case 'rebuild': {
      const image = findImage(fake, b.image);
      if (!image) return 'You specified an invalid image for rebuild.';
      return () => {
        d.imageRef = image.id;
      };
    }
    default:
      return `${String(b.type)} is not a valid action type`;
  }
}

function snapshotJson(i: FakeImage) {
  return {
    id: i.id,
    name: i.name,
    created_at: i.created_at,
    regions: i.regions,
    min_disk_size: i.min_disk_size,
    size_gigabytes: i.size_gigabytes,
    type: i.type,
  };
}

export const dropletRoutes: Route = (fake, ctx) => {
  const [top, id, sub] = ctx.parts;
  const m = ctx.method;
  if (top === 'sizes' && m === 'GET' && !id) return fake.page(ctx, 'sizes', fake.sizes);
  if (top === 'regions' && m === 'GET' && !id) return fake.page(ctx, 'regions', fake.regions);
  if (top === 'images' && m === 'GET' && !id) {
    const type = ctx.url.searchParams.get('type');
    const shown = fake.images.filter((i) => (type === 'distribution' ? i.type === 'base' : true));
    return fake.page(
      ctx,
      'images',
      shown.map(({ dropletId: _d, ...i }) => i),
    );
  }
  if (top === 'actions' && m === 'GET' && id) {
    const a = fake.actions.get(Number(id));
    if (!a) return fake.error(ctx.res, 404);
    if (a.status === 'in-progress' && --a.pollsLeft <= 0) a.apply();
    return fake.json(ctx.res, 200, { action: actionJson(fake, a) });
  }
  if (top === 'snapshots' && m === 'DELETE' && id) {
    const at = fake.images.findIndex((i) => String(i.id) === id && i.type === 'snapshot');
    if (at < 0) {
      const other = fake.images.some((i) => String(i.id) === id);
      return other
        ? fake.error(ctx.res, 400, 'bad_request', 'the resource is not a snapshot')
        : fake.error(ctx.res, 404);
    }
    fake.images.splice(at, 1);
    return fake.noContent(ctx.res);
  }
  if (top !== 'droplets') return false;
  if (!id) {
    if (m === 'POST') return createDroplet(fake, ctx);
    if (m !== 'GET') return false;
    // A droplet being created has booted by the time anyone lists it.
    for (const a of fake.actions.values()) if (a.type === 'create' && a.status === 'in-progress') a.apply();
    const gpus = ctx.url.searchParams.get('type') === 'gpus';
    const listed = [...fake.droplets.values()].filter((d) => (d.gpu ?? false) === gpus);
    return fake.page(
      ctx,
      'droplets',
      listed.map((d) => dropletJson(fake, d)),
    );
  }
  const d = fake.droplets.get(Number(id));
  if (!d) return fake.error(ctx.res, 404);
  if (!sub && m === 'GET') return fake.json(ctx.res, 200, { droplet: dropletJson(fake, d) });
  if (!sub && m === 'DELETE') {
    fake.droplets.delete(d.id);
    return fake.noContent(ctx.res);
  }
  if (sub === 'snapshots' && m === 'GET') {
    return fake.page(ctx, 'snapshots', fake.images.filter((i) => i.dropletId === d.id).map(snapshotJson));
  }
  if (sub === 'actions' && m === 'POST') {
    if (d.locked)
      return fake.error(ctx.res, 422, 'unprocessable_entity', 'Droplet already has a pending event.');
    const effect = dropletAction(fake, d, ctx.body);
    if (typeof effect === 'string') return fake.error(ctx.res, 422, 'unprocessable_entity', effect);
    const action = addAction(fake, d, String(ctx.body.type), effect);
    return fake.json(ctx.res, 201, { action: actionJson(fake, action) });
  }
  return false;
};
