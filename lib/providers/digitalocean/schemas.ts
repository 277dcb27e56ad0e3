/**
 * DigitalOcean's answers as its OpenAPI description (digitalocean/openapi, specification/resources)
 * publishes them: only the fields the drivers use, loose so that fields DigitalOcean adds break nothing.
 */
import { z } from 'zod';

const NetworkV4 = z.looseObject({ ip_address: z.string(), type: z.string() });
const NetworkV6 = z.looseObject({ ip_address: z.string(), type: z.string() });

/** droplets/models/droplet.yml */
export const Droplet = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  status: z.string(),
  created_at: z.string(),
  size_slug: z.string(),
  size: z
    .looseObject({ price_hourly: z.number().optional(), price_monthly: z.number().optional() })
    .nullish(),
  image: z.looseObject({ id: z.number().int().nullish(), slug: z.string().nullish() }).nullish(),
  region: z.looseObject({ slug: z.string() }),
  networks: z
    .looseObject({ v4: z.array(NetworkV4).optional(), v6: z.array(NetworkV6).optional() })
    .optional(),
  tags: z.array(z.string()).nullish(),
  vpc_uuid: z.string().nullish(),
  locked: z.boolean().optional(),
});
export type Droplet = z.infer<typeof Droplet>;

/** actions/models/action.yml: in-progress, completed or errored. */
export const Action = z.looseObject({
  id: z.number().int(),
  status: z.string(),
  type: z.string(),
  started_at: z.string().nullish(),
  resource_id: z.number().int().nullish(),
});
export type Action = z.infer<typeof Action>;
export const ActionAnswer = z.looseObject({ action: Action });

/** sizes/models/size.yml */
export const Size = z.looseObject({
  slug: z.string(),
  memory: z.number(),
  vcpus: z.number(),
  disk: z.number().optional(),
  price_monthly: z.number(),
  price_hourly: z.number(),
  regions: z.array(z.string()),
  available: z.boolean(),
  description: z.string().nullish(),
});

/** images/models/image.yml */
export const Image = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  distribution: z.string().nullish(),
  slug: z.string().nullish(),
  regions: z.array(z.string()),
  status: z.string().nullish(),
});

/** regions/models/region.yml */
export const Region = z.looseObject({ slug: z.string(), name: z.string(), available: z.boolean() });

/** droplets/models/droplet_snapshot.yml: a droplet's snapshots (type snapshot) and backups. */
export const DropletSnapshot = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  created_at: z.string(),
  type: z.string().optional(),
});
export type DropletSnapshot = z.infer<typeof DropletSnapshot>;

/** account/models/account.yml: status active, warning or locked. */
export const AccountAnswer = z.looseObject({
  account: z.looseObject({
    status: z.string(),
    status_message: z.string().nullish(),
    email: z.string().optional(),
  }),
});

/** ssh_keys/models/sshKeys.yml */
export const SshKey = z.looseObject({
  id: z.number().int(),
  fingerprint: z.string(),
  public_key: z.string(),
  name: z.string(),
});
export type SshKey = z.infer<typeof SshKey>;

/** domains/models/domain.yml */
export const Domain = z.looseObject({ name: z.string(), ttl: z.number().nullish() });

/** domains/models/domain_record.yml */
export const DomainRecord = z.looseObject({
  id: z.number().int(),
  type: z.string(),
  name: z.string(),
  data: z.string().nullish(),
  priority: z.number().int().nullish(),
  port: z.number().int().nullish(),
  ttl: z.number().int().nullish(),
  weight: z.number().int().nullish(),
  flags: z.number().int().nullish(),
  tag: z.string().nullish(),
});
export type DomainRecord = z.infer<typeof DomainRecord>;

/** vpcs/models/vpc.yml */
export const Vpc = z.looseObject({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  ip_range: z.string(),
  default: z.boolean().optional(),
});
export type Vpc = z.infer<typeof Vpc>;

/** vpcs/models/vpc_member.yml */
export const VpcMember = z.looseObject({ urn: z.string(), name: z.string().optional() });

/** A 204 (DELETE) has no body. */
export const NoContent = z.unknown();
