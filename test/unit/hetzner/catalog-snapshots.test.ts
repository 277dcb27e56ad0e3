/** The priced catalog and server snapshots (images of type snapshot, taken with create_image). */
import { describe, expect, it } from 'vitest';
import { HetznerComputeDriver } from '../../../lib/providers/hetzner/compute.js';
import { SNAPSHOT_SERVER_LABEL } from '../../../lib/providers/hetzner/snapshots.js';
import { seedServer } from '../../fakes/hetzner/compute-routes.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerComputeDriver);

describe('hetzner catalog', () => {
  it('lists server types but deprecated ones, with cores, MiB and net EUR prices per location of the cloud', async () => {
    const sizes = await make({}, ['ash', 'fsn1']).driver.listSizes();
    expect(sizes.map((s) => s.id)).toEqual(['cx22', 'cx32', 'cx42']);
    expect(sizes[0]).toEqual({
      id: 'cx22',
      name: 'CX22',
      cpus: 2,
      memoryMiB: 4096,
      hourlyPrice: 0.0072,
      monthlyPrice: 4.8384,
      currency: 'EUR',
      regionPrices: { ash: { hourly: 0.0072, monthly: 4.8384 }, fsn1: { hourly: 0.006, monthly: 4.032 } },
    });
  });

  it('prices a type in the first region that sells it', async () => {
    const [cx22] = await make({}, ['sin', 'hel1']).driver.listSizes();
    expect(cx22).toMatchObject({
      hourlyPrice: 0.006,
      regionPrices: { hel1: { hourly: 0.006, monthly: 4.032 } },
    });
  });

  it("lists system images but deprecated ones, in the cloud's first region, by name", async () => {
    const images = await make().driver.listImages();
    expect(fake().sent('GET', '/images')[0]?.query.get('type')).toBe('system');
    expect(images.map((i) => i.id)).toEqual(['debian-12', 'ubuntu-24.04', 'rocky-9']);
    expect(images[0]).toEqual({ id: 'debian-12', name: 'Debian 12', region: 'fsn1', os: 'debian' });
  });

  it("lists the cloud's locations with their city and network zone", async () => {
    expect(await make().driver.listLocations()).toEqual([
      { id: 'fsn1', name: 'Falkenstein (eu-central)', region: 'fsn1' },
      { id: 'hel1', name: 'Helsinki (eu-central)', region: 'hel1' },
    ]);
  });
});

describe('hetzner snapshots', () => {
  it('takes a snapshot with create_image, labelled with its server, and answers it once available', async () => {
    const s = seedServer(fake().state, 'db', 'fsn1', 'running');
    const snap = await make().driver.createSnapshot({ externalId: String(s.id), region: 'fsn1' }, 'before');
    expect(fake().sent('POST', `/servers/${s.id}/actions/create_image`)[0]?.body).toEqual({
      type: 'snapshot',
      description: 'before',
      labels: { [SNAPSHOT_SERVER_LABEL]: String(s.id) },
    });
    expect(snap).toMatchObject({ name: 'before', state: 'completed' });
    expect(snap.id).toMatch(/^\d+$/);
  });

  it('lists the snapshots taken from this server only, by created_from', async () => {
    const a = seedServer(fake().state, 'a', 'fsn1', 'running');
    const b = seedServer(fake().state, 'b', 'fsn1', 'running');
    const { driver } = make();
    const ra = { externalId: String(a.id), region: 'fsn1' };
    const mine = await driver.createSnapshot(ra, 'mine');
    await driver.createSnapshot({ externalId: String(b.id), region: 'fsn1' }, 'theirs');
    expect((await driver.listSnapshots(ra)).map((x) => x.id)).toEqual([mine.id]);
    expect(fake().sent('GET', '/images').at(-1)?.query.get('type')).toBe('snapshot');
  });

  it('reverts by rebuilding the server from the snapshot, and deletes it with DELETE /images/{id}', async () => {
    const s = seedServer(fake().state, 'db', 'fsn1', 'running');
    const ref = { externalId: String(s.id), region: 'fsn1' };
    const { driver } = make();
    const snap = await driver.createSnapshot(ref, 'before');
    await driver.revertToSnapshot(ref, snap.id);
    expect(fake().sent('POST', `/servers/${s.id}/actions/rebuild`)[0]?.body).toEqual({
      image: Number(snap.id),
    });
    await driver.deleteSnapshot(ref, snap.id);
    expect(fake().state.images.has(Number(snap.id))).toBe(false);
  });
});
