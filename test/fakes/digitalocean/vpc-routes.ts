/**
 * VPCs of the DigitalOcean fake (vpcs/*.yml): regional, a range of /16 to /28 inside RFC 1918 that
 * overlaps no other VPC of the account, a default VPC per region, members listed by URN. Deleting the
 * default VPC or one with members is a 403, as vpcs_delete.yml says.
 */
import type { DigitalOceanFake, Route } from './fake.js';

export interface FakeVpc {
  id: string;
  urn: string;
  name: string;
  description: string;
  region: string;
  ip_range: string;
  created_at: string;
  default: boolean;
}

const NAME = /^[a-zA-Z0-9\-.]+$/;

function parseCidr(cidr: string): { start: number; end: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0) return undefined;
  return { start: ip, end: ip + size - 1, prefix };
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

export function vpcMembers(fake: DigitalOceanFake, vpcId: string) {
  return [...fake.droplets.values()]
    .filter((d) => d.vpc_uuid === vpcId)
    .map((d) => ({ urn: `do:droplet:${d.id}`, name: d.name, created_at: d.created_at }));
}

export const vpcRoutes: Route = (fake, ctx) => {
  const [top, id, sub] = ctx.parts;
  if (top !== 'vpcs') return false;
  const m = ctx.method;
  const fail = (message: string) => fake.error(ctx.res, 422, 'unprocessable_entity', message);
  if (!id) {
    if (m === 'GET') return fake.page(ctx, 'vpcs', [...fake.vpcs.values()]);
    if (m !== 'POST') return false;
    const { name, region, ip_range: range } = ctx.body;
    if (typeof name !== 'string' || !NAME.test(name))
      return fail('name may only contain alphanumeric characters, dashes, and periods');
    if ([...fake.vpcs.values()].some((v) => v.name === name))
      return fail('a VPC with this name already exists');
    if (!fake.regions.some((r) => r.slug === region && r.available)) return fail('region is not available');
    const cidr = parseCidr(String(range ?? ''));
    if (!cidr) return fail('ip_range must be in CIDR notation');
    if (cidr.prefix < 16 || cidr.prefix > 28)
      return fail('ip_range may not be smaller than /28 nor larger than /16');
    if (!PRIVATE.some((p) => cidr.start >= p.start && cidr.end <= p.end))
      return fail('ip_range must be in RFC1918 private address space');
    for (const v of fake.vpcs.values()) {
      const o = parseCidr(v.ip_range)!;
      if (cidr.start <= o.end && o.start <= cidr.end)
        return fail(`ip_range overlaps with VPC ${v.name} (${v.ip_range})`);
    }
    const vpc = fake.addVpc(name, String(region), String(range));
    if (typeof ctx.body.description === 'string') vpc.description = ctx.body.description;
    return fake.json(ctx.res, 201, { vpc });
  }
  const vpc = fake.vpcs.get(id);
  if (!vpc) return fake.error(ctx.res, 404);
  if (!sub && m === 'GET') return fake.json(ctx.res, 200, { vpc });
  if (sub === 'members' && m === 'GET') return fake.page(ctx, 'members', vpcMembers(fake, vpc.id));
  if (!sub && m === 'DELETE') {
    if (vpc.default)
      return fake.error(ctx.res, 403, 'forbidden', 'Cannot delete the default VPC of a region.');
    if (vpcMembers(fake, vpc.id).length > 0) {
      return fake.error(ctx.res, 403, 'forbidden', 'Cannot delete a VPC that still has members.');
    }
    fake.vpcs.delete(vpc.id);
    return fake.noContent(ctx.res);
  }
  return false;
};
