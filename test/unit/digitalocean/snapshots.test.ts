/**
 * Droplet snapshots and the catalog through the DigitalOcean driver, against the v2 API's fake: the
 * snapshot action and the image it leaves, a revert by rebuild, and sizes, images and regions inside
 * the cloud's regions with DigitalOcean's prices.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../../lib/providers/capabilities.js';
import { DigitalOceanComputeDriver } from '../../../lib/providers/digitalocean/compute.js';
import { ProviderNotFoundError } from '../../../lib/providers/errors.js';
import { seedDroplet } from '../../fakes/digitalocean/droplet-routes.js';
import { type DigitalOceanWorld, digitalOceanWorld } from '../../fakes/digitalocean/world.js';

let w: DigitalOceanWorld;
let driver: DigitalOceanComputeDriver;

beforeEach(async () => {
  w = await digitalOceanWorld();
  driver = new DigitalOceanComputeDriver(w.config, w.deps);
});
afterEach(() => w.close());

const ref = (d: { id: number; region: string }) => ({ externalId: String(d.id), region: d.region });

describe('snapshots', () => {
  it('takes a snapshot with the snapshot action and answers its image, its id numeric', async () => {
    const d = seedDroplet(w.fake, { name: 'db', region: 'fra1' });
    const snap = await driver.createSnapshot(ref(d), 'before-upgrade');
    expect(w.fake.requests.find((r) => r.method === 'POST')?.body).toEqual({
      type: 'snapshot',
      name: 'before-upgrade',
    });
    expect(snap).toMatchObject({ name: 'before-upgrade', state: 'completed' });
    expect(snap.id).toMatch(CAPABILITIES.digitalocean.snapshotIds!.pattern);
    expect(await driver.listSnapshots(ref(d))).toEqual([snap]);
  });

  it('answers a snapshot still being taken as pending, without an id yet', async () => {
    const d = seedDroplet(w.fake, { name: 'db', region: 'fra1' });
    w.fake.actionPolls = 1000;
    const snap = await driver.createSnapshot(ref(d), 'slow');
    expect(snap).toMatchObject({ id: '', name: 'slow', state: 'pending' });
  });

  it('lists only the droplet snapshots, not its backups nor other droplets', async () => {
    const a = seedDroplet(w.fake, { name: 'a', region: 'fra1' });
    const b = seedDroplet(w.fake, { name: 'b', region: 'fra1' });
    await driver.createSnapshot(ref(a), 'a-1');
    await driver.createSnapshot(ref(b), 'b-1');
    w.fake.images.push({
      ...w.fake.images.at(-1)!,
      id: 42,
      type: 'backup',
      dropletId: a.id,
      name: 'nightly',
    });
    expect((await driver.listSnapshots(ref(a))).map((s) => s.name)).toEqual(['a-1']);
  });

  it('deletes a snapshot of the droplet with DELETE /snapshots/{id}, and no image of another droplet', async () => {
    const a = seedDroplet(w.fake, { name: 'a', region: 'fra1' });
    const b = seedDroplet(w.fake, { name: 'b', region: 'fra1' });
    const snap = await driver.createSnapshot(ref(b), 'b-1');
    await expect(driver.deleteSnapshot(ref(a), snap.id)).rejects.toBeInstanceOf(ProviderNotFoundError);
    await driver.deleteSnapshot(ref(b), snap.id);
    expect(w.fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v2/snapshots/${snap.id}` });
    expect(await driver.listSnapshots(ref(b))).toEqual([]);
  });

  it('reverts by rebuilding the droplet from the snapshot image (restore takes backups only)', async () => {
    const d = seedDroplet(w.fake, { name: 'db', region: 'fra1', status: 'off' });
    const snap = await driver.createSnapshot(ref(d), 'good');
    await driver.revertToSnapshot(ref(d), snap.id);
    expect(w.fake.requests.filter((r) => r.method === 'POST').at(-1)?.body).toEqual({
      type: 'rebuild',
      image: Number(snap.id),
    });
    expect(d.imageRef).toBe(Number(snap.id));
  });
});

describe('the catalog', () => {
  it('lists available sizes offered in the cloud regions, with USD hourly and monthly prices', async () => {
    const sizes = await driver.listSizes();
    expect(sizes.map((s) => s.id)).toEqual(['s-1vcpu-1gb', 's-1vcpu-2gb', 's-2vcpu-2gb', 's-2vcpu-4gb']);
    expect(sizes[0]).toEqual({
      id: 's-1vcpu-1gb',
      name: 'Basic s-1vcpu-1gb',
      cpus: 1,
      memoryMiB: 1024,
      hourlyPrice: 0.00893,
      monthlyPrice: 6,
      currency: 'USD',
    });
  });

  it('lists distribution images available in one of the cloud regions', async () => {
    const images = await driver.listImages();
    expect(images.map((i) => i.id)).toEqual(['debian-12-x64', 'ubuntu-24-04-x64', 'fedora-41-x64']);
    expect(images[0]).toEqual({ id: 'debian-12-x64', name: 'Debian 12 x64', region: 'fra1', os: 'Debian' });
    expect(w.fake.requests.find((r) => r.path.startsWith('/v2/images'))?.path).toBe(
      '/v2/images?per_page=200&type=distribution',
    );
  });

  it('lists the available regions of the cloud as locations', async () => {
    expect(await driver.listLocations()).toEqual([
      { id: 'fra1', name: 'Frankfurt 1', region: 'fra1' },
      { id: 'ams3', name: 'Amsterdam 3', region: 'ams3' },
    ]);
  });
});
