/**
 * The answers Nimbo reads, as hcloud-go's hcloud/schema describes them (the fields used; unknown ones
 * pass). Since 2026-07-01 a server carries its location, not a datacenter (hcloud-go v2.45.0).
 */
import { z } from 'zod';

const Price = z.looseObject({ net: z.string(), gross: z.string().optional() });

export const ServerTypePrice = z.looseObject({
  location: z.string(),
  price_hourly: Price,
  price_monthly: Price,
});

export const ServerTypeSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  description: z.string(),
  cores: z.number(),
  memory: z.number(),
  disk: z.number().optional(),
  prices: z.array(ServerTypePrice),
  deprecated: z.boolean().nullable().optional(),
});
export type HetznerServerType = z.infer<typeof ServerTypeSchema>;

export const LocationSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  description: z.string().optional(),
  city: z.string(),
  country: z.string().optional(),
  network_zone: z.string(),
});
export type HetznerLocation = z.infer<typeof LocationSchema>;

export const ImageSchema = z.looseObject({
  id: z.number(),
  type: z.string(),
  status: z.string(),
  name: z.string().nullable(),
  description: z.string(),
  created: z.string().nullable().optional(),
  created_from: z.looseObject({ id: z.number(), name: z.string() }).nullable().optional(),
  os_flavor: z.string().optional(),
  deprecated: z.string().nullable().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type HetznerImage = z.infer<typeof ImageSchema>;

export const ServerSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  status: z.string(),
  created: z.string(),
  public_net: z.looseObject({
    ipv4: z.looseObject({ ip: z.string() }).nullable().optional(),
    ipv6: z.looseObject({ ip: z.string() }).nullable().optional(),
  }),
  private_net: z.array(z.looseObject({ network: z.number(), ip: z.string() })).optional(),
  server_type: ServerTypeSchema,
  location: LocationSchema,
  image: ImageSchema.nullable().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type HetznerServer = z.infer<typeof ServerSchema>;

export const SshKeySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  fingerprint: z.string(),
  public_key: z.string(),
});
