/** Snapshots of a machine's boot disk: create, list (by source disk), delete. */
import { expect, it } from 'vitest';
import { ProviderNotFoundError } from '../../../lib/providers/errors.js';
import { SNAPSHOT_ID } from '../../../lib/providers/gcp/compute.js';
import { makeDriver, useFake } from './fixtures.js';

const ctx = useFake();

it('creates a snapshot of the boot disk, lists it for that machine only, and deletes it', async () => {
  const { fake, endpoint } = ctx;
  fake.seed('europe-west1-b', 'web', { disk: 'web-boot' });
  fake.seed('europe-west1-b', 'db', { disk: 'db-boot' });
  const { driver } = makeDriver(endpoint);
  const web = { externalId: 'web', region: 'europe-west1-b' };
  const db = { externalId: 'db', region: 'europe-west1-b' };

  const snap = await driver.createSnapshot(web, 'Before upgrade');
  expect(snap.id).toMatch(SNAPSHOT_ID);
  expect(snap).toMatchObject({ name: 'Before upgrade', state: 'completed' });
  expect(fake.requests).toContain(
    'POST /compute/v1/projects/nimbo-test/zones/europe-west1-b/disks/web-boot/createSnapshot',
  );
  expect(fake.snapshots.get(snap.id)?.labels).toEqual({ 'nimbo-machine': 'web' });
  await driver.createSnapshot(web, 'second');
  await driver.createSnapshot(db, 'other machine');

  // Two of web's across pages (page size 2, three snapshots in all), none of db's.
  const listed = await driver.listSnapshots(web);
  expect(listed.map((s) => s.name).sort()).toEqual(['Before upgrade', 'second']);
  expect(await driver.listSnapshots(db)).toHaveLength(1);

  await driver.deleteSnapshot(web, snap.id);
  expect(fake.snapshots.has(snap.id)).toBe(false);
  expect((await driver.listSnapshots(web)).map((s) => s.name)).toEqual(['second']);
  await expect(driver.deleteSnapshot(web, snap.id)).rejects.toBeInstanceOf(ProviderNotFoundError);
});

it('refuses an id that is not one of ours without calling GCE', async () => {
  const { fake, endpoint } = ctx;
  const { driver } = makeDriver(endpoint);
  await expect(
    driver.deleteSnapshot({ externalId: 'web', region: 'europe-west1-b' }, 'prod-db-golden'),
  ).rejects.toBeInstanceOf(ProviderNotFoundError);
  expect(fake.requests).toEqual([]);
});

it('a snapshot of a machine GCE does not know is not found', async () => {
  const { driver } = makeDriver(ctx.endpoint);
  await expect(
    driver.createSnapshot({ externalId: 'ghost', region: 'us-central1-a' }, 'x'),
  ).rejects.toBeInstanceOf(ProviderNotFoundError);
});
