/**
 * The catalog: server types with net EUR prices per location (hourly, capped at the monthly price),
 * system images and the cloud's locations. Deprecated types and images are not offered for new servers.
 */
import type { ProviderImage, ProviderLocation, ProviderSize } from '../compute.js';
import type { RestClient } from '../rest/client.js';
import { listAll } from './client.js';
import { mapServerType } from './mapping.js';
import { ImageSchema, LocationSchema, ServerTypeSchema } from './schemas.js';

export async function listServerTypes(rest: RestClient, regions: readonly string[]): Promise<ProviderSize[]> {
  const types = await listAll(
    rest,
    { path: '/server_types', context: 'list server types' },
    'server_types',
    ServerTypeSchema,
  );
  return types.filter((t) => !t.deprecated).map((t) => mapServerType(t, regions));
}

/**
 * System images are the same in every location, so each is listed once, in the cloud's first region
 * (Nimbo's catalog keys images by region, and '' would read as "nowhere").
 */
export async function listSystemImages(
  rest: RestClient,
  regions: readonly string[],
): Promise<ProviderImage[]> {
  const images = await listAll(
    rest,
    { path: '/images', query: { type: 'system' }, context: 'list images' },
    'images',
    ImageSchema,
  );
  return images
    .filter((i) => !i.deprecated && i.type === 'system')
    .map((i) => ({
      id: i.name ?? String(i.id),
      name: i.description,
      region: regions[0] ?? '',
      ...(i.os_flavor ? { os: i.os_flavor } : {}),
    }));
}

export async function listCloudLocations(
  rest: RestClient,
  regions: readonly string[],
): Promise<ProviderLocation[]> {
  const locations = await listAll(
    rest,
    { path: '/locations', context: 'list locations' },
    'locations',
    LocationSchema,
  );
  return locations
    .filter((l) => regions.includes(l.name))
    .map((l) => ({ id: l.name, name: `${l.city} (${l.network_zone})`, region: l.name }));
}
