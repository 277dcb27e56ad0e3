/**
 * The fake's regions, sizes and distribution images, shaped as regions/models/region.yml,
 * sizes/models/size.yml and images/models/image.yml of DigitalOcean's OpenAPI description, with prices
 * of the public price list's kind (US dollars, hourly and the monthly cap).
 */

export interface FakeRegion {
  slug: string;
  name: string;
  available: boolean;
  features: string[];
  sizes: string[];
}

export interface FakeSize {
  slug: string;
  memory: number;
  vcpus: number;
  disk: number;
  transfer: number;
  price_monthly: number;
  price_hourly: number;
  regions: string[];
  available: boolean;
  description: string;
}

export interface FakeImage {
  id: number;
  name: string;
  type: 'base' | 'snapshot' | 'backup' | 'custom';
  distribution: string;
  slug: string | null;
  public: boolean;
  regions: string[];
  created_at: string;
  min_disk_size: number;
  size_gigabytes: number;
  description: string;
  tags: string[];
  status: string;
  /** For snapshots: the droplet they were taken of. */
  dropletId?: number;
}

const ALL = ['nyc3', 'fra1', 'ams3', 'lon1'];

export function fakeSizes(): FakeSize[] {
  const size = (
    slug: string,
    vcpus: number,
    memory: number,
    disk: number,
    monthly: number,
    regions: string[] = ALL,
    available = true,
    description = 'Basic',
  ): FakeSize => ({
    slug,
    memory,
    vcpus,
    disk,
    transfer: memory / 1024,
    price_monthly: monthly,
    // DigitalOcean's hourly price is the monthly one over 672 hours (28 days): a month never costs more.
    price_hourly: Math.round((monthly / 672) * 1e5) / 1e5,
    regions,
    available,
    description,
  });
  return [
    size('s-1vcpu-1gb', 1, 1024, 25, 6),
    size('s-1vcpu-2gb', 1, 2048, 50, 12),
    size('s-2vcpu-2gb', 2, 2048, 60, 18),
    size('s-2vcpu-4gb', 2, 4096, 80, 24),
    size('c-2', 2, 4096, 25, 42, ['nyc3'], true, 'CPU-Optimized'),
    size('s-8vcpu-16gb-old', 8, 16384, 320, 96, ALL, false),
  ];
}

export function fakeRegions(): FakeRegion[] {
  const sizes = fakeSizes().map((s) => s.slug);
  return [
    { slug: 'nyc3', name: 'New York 3', available: true, features: ['backups', 'ipv6'], sizes },
    { slug: 'fra1', name: 'Frankfurt 1', available: true, features: ['backups', 'ipv6'], sizes },
    { slug: 'ams3', name: 'Amsterdam 3', available: true, features: ['backups', 'ipv6'], sizes },
    { slug: 'lon1', name: 'London 1', available: true, features: ['backups', 'ipv6'], sizes },
    { slug: 'ams2', name: 'Amsterdam 2', available: false, features: [], sizes: [] },
  ];
}

export function fakeDistributionImages(): FakeImage[] {
  const image = (id: number, distribution: string, name: string, slug: string, regions = ALL): FakeImage => ({
    id,
    name,
    type: 'base',
    distribution,
    slug,
    public: true,
    regions,
    created_at: '2026-06-01T10:00:00Z',
    min_disk_size: 15,
    size_gigabytes: 2.4,
    description: `${distribution} ${name} x64`,
    tags: [],
    status: 'available',
  });
  return [
    image(160000001, 'Debian', '12 x64', 'debian-12-x64'),
    image(160000002, 'Ubuntu', '24.04 (LTS) x64', 'ubuntu-24-04-x64'),
    image(160000003, 'Fedora', '41 x64', 'fedora-41-x64'),
    image(160000004, 'Rocky Linux', '9 x64', 'rockylinux-9-x64', ['lon1']),
  ];
}
