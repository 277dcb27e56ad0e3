/**
 * What a droplet can be made of, within the cloud's regions: sizes with DigitalOcean's own prices (US
 * dollars, billed by the hour and capped at the monthly price), the distribution images (snapshots are
 * per droplet: listSnapshots), and the regions. Refreshed with the catalog, so prices follow DigitalOcean.
 */
import type { ProviderImage, ProviderLocation, ProviderSize } from '../compute.js';
import { type DigitalOceanSetup, listAll } from './client.js';
import { Image, Region, Size } from './schemas.js';

export async function listSizes(setup: DigitalOceanSetup): Promise<ProviderSize[]> {
  const sizes = await listAll(setup.rest, '/sizes', 'sizes', Size, 'list sizes');
  return sizes
    .filter((s) => s.available && s.regions.some((r) => setup.regions.includes(r)))
    .map((s) => ({
      id: s.slug,
      // description is the size's class ("Basic", "CPU-Optimized"): shared by many sizes, so the slug too.
      name: s.description ? `${s.description} ${s.slug}` : s.slug,
      cpus: s.vcpus,
      memoryMiB: s.memory,
      hourlyPrice: s.price_hourly,
      monthlyPrice: s.price_monthly,
      currency: 'USD',
    }));
}

export async function listImages(setup: DigitalOceanSetup): Promise<ProviderImage[]> {
  const images = await listAll(setup.rest, '/images', 'images', Image, 'list distribution images', {
    type: 'distribution',
  });
  const out: ProviderImage[] = [];
  for (const i of images) {
    if (i.status && i.status !== 'available') continue;
    const region = setup.regions.find((r) => i.regions.includes(r));
    if (!region) continue;
    out.push({
      id: i.slug ?? String(i.id),
      name: i.distribution ? `${i.distribution} ${i.name}` : i.name,
      region,
      ...(i.distribution ? { os: i.distribution } : {}),
    });
  }
  return out;
}

export async function listLocations(setup: DigitalOceanSetup): Promise<ProviderLocation[]> {
  const regions = await listAll(setup.rest, '/regions', 'regions', Region, 'list regions');
  return regions
    .filter((r) => r.available && setup.regions.includes(r.slug))
    .map((r) => ({ id: r.slug, name: r.name, region: r.slug }));
}
