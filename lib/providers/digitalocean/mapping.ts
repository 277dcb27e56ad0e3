/**
 * DigitalOcean's shapes <-> the provider-neutral shapes of compute.ts. Pure functions: no call here.
 * Tags are plain strings on DigitalOcean: Nimbo's {key: value} travels as "key:value", a bare word is a
 * key without a value. Prices are DigitalOcean's own, in US dollars: hourly, capped at the monthly price.
 */
import type { MachineState, ProviderMachine } from '../compute.js';
import { ProviderRejectedError } from '../errors.js';
import type { Droplet } from './schemas.js';

/** droplet.status: new, active, off, archive (droplets/models/droplet.yml). */
const STATES: Record<string, MachineState> = {
  new: 'pending',
  active: 'running',
  off: 'stopped',
  archive: 'terminated',
};

export function machineState(status: string): MachineState {
  return STATES[status] ?? 'unknown';
}

/** "env:prod" -> {env: "prod"} (split at the first colon), "web" -> {web: ""}. */
export function tagsToRecord(tags: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) {
    const at = tag.indexOf(':');
    if (at < 0) out[tag] = '';
    else out[tag.slice(0, at)] = tag.slice(at + 1);
  }
  return out;
}

/** A tag name's charset and length (tags/models/tags.yml). */
const TAG = /^[a-zA-Z0-9_:-]{1,255}$/;

/**
 * {env: "prod", web: ""} -> ["env:prod", "web"], refused before any call when DigitalOcean would refuse
 * it or when it would not read back the same (a key holding a colon).
 */
export function recordToTags(tags: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(tags ?? {})) {
    const tag = value === '' ? key : `${key}:${value}`;
    if (key.includes(':') || !TAG.test(tag)) {
      throw new ProviderRejectedError(
        `DigitalOcean cannot tag with "${tag}": a tag is up to 255 letters, digits, "_", "-" and ":" (written key:value, so the key holds no colon)`,
      );
    }
    out.push(tag);
  }
  return out;
}

export const PRICE_BILLING = 'hourly, capped at the monthly price';

export function toMachine(d: Droplet): ProviderMachine {
  const v4 = d.networks?.v4 ?? [];
  const v6 = d.networks?.v6 ?? [];
  const ips = (type: string) => [
    ...v4.filter((n) => n.type === type).map((n) => n.ip_address),
    ...v6.filter((n) => n.type === type).map((n) => n.ip_address),
  ];
  const extra: Record<string, string | number | boolean | null> = { dropletId: d.id };
  if (d.vpc_uuid) extra.vpcId = d.vpc_uuid;
  if (d.size?.price_monthly !== undefined) {
    extra.priceMonthly = d.size.price_monthly;
    extra.currency = 'USD';
    extra.billing = PRICE_BILLING;
  }
  if (d.locked !== undefined) extra.locked = d.locked;
  const image = d.image?.slug ?? (d.image?.id != null ? String(d.image.id) : undefined);
  const launchedAt = new Date(d.created_at);
  return {
    externalId: String(d.id),
    name: d.name,
    state: machineState(d.status),
    region: d.region.slug,
    size: d.size_slug,
    ...(image ? { image } : {}),
    publicIps: ips('public'),
    privateIps: ips('private'),
    tags: tagsToRecord(d.tags),
    ...(Number.isNaN(launchedAt.getTime()) ? {} : { launchedAt }),
    ...(d.size?.price_hourly !== undefined
      ? {
          hourlyCost: d.size.price_hourly,
          price: { currency: 'USD', source: 'digitalocean-api', reason: null },
        }
      : {}),
    extra,
  };
}
