/** checkConnection, images, sizes and locations of the GCE driver. */
import { expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/core/errors.js';
import { ProviderNotFoundError } from '../../../lib/providers/errors.js';
import { GcpComputeDriver } from '../../../lib/providers/gcp/compute.js';
import { credentials, makeDriver, useFake } from './fixtures.js';

const ctx = useFake();

it('checkConnection gets every configured region with a token from the token endpoint', async () => {
  const { fake, endpoint } = ctx;
  const { driver } = makeDriver(endpoint);
  await driver.checkConnection();
  expect(fake.tokenRequests).toBe(1);
  expect(fake.requests).toEqual([
    'POST /token',
    'GET /compute/v1/projects/nimbo-test/regions/europe-west1',
    'GET /compute/v1/projects/nimbo-test/regions/us-central1',
  ]);
});

it('checkConnection fails for a region GCE does not know', async () => {
  const { driver } = makeDriver(ctx.endpoint, ['europe-west1', 'mars-north1']);
  await expect(driver.checkConnection()).rejects.toBeInstanceOf(ProviderNotFoundError);
});

it('lists the zones of the configured regions only, across pages', async () => {
  const { driver } = makeDriver(ctx.endpoint, ['us-central1']);
  expect(await driver.listLocations()).toEqual([
    { id: 'us-central1-a', name: 'us-central1-a', region: 'us-central1' },
    { id: 'us-central1-f', name: 'us-central1-f', region: 'us-central1' },
  ]);
});

it('lists the public images that are not deprecated, of every image project', async () => {
  const { driver } = makeDriver(ctx.endpoint);
  const images = await driver.listImages();
  expect(images.map((i) => i.id)).toEqual([
    'projects/debian-cloud/global/images/debian-cloud-12-v1',
    'projects/debian-cloud/global/images/debian-cloud-13-v2',
    'projects/ubuntu-os-cloud/global/images/ubuntu-os-cloud-12-v1',
    'projects/ubuntu-os-cloud/global/images/ubuntu-os-cloud-13-v2',
  ]);
  expect(ctx.fake.requests).toContain('GET /compute/v1/projects/ubuntu-os-cloud/global/images');
});

it('lists the machine types of a zone of the first region, without price', async () => {
  const { fake, endpoint } = ctx;
  const { driver } = makeDriver(endpoint, ['us-central1', 'europe-west1']);
  const sizes = await driver.listSizes();
  expect(sizes).toContainEqual({ id: 'n2-standard-4', name: 'n2-standard-4', cpus: 4, memoryMiB: 16384 });
  expect(sizes).toHaveLength(3);
  expect(fake.requests).toContain('GET /compute/v1/projects/nimbo-test/zones/us-central1-a/machineTypes');
});

it('a cloud with no region is a configuration error', () => {
  expect(() => new GcpComputeDriver({ cloudId: 'c', regions: [], credentials })).toThrow(ConfigurationError);
});

it('loads the SDK on first use only', async () => {
  const source = await import('node:fs/promises').then((fs) =>
    fs.readFile('lib/providers/gcp/client.ts', 'utf8'),
  );
  expect(source).not.toMatch(/^import [^t].*'@google-cloud\/compute'/m);
  expect(source).not.toMatch(/^import [^t].*'google-(gax|auth-library)'/m);
});
