/**
 * Compute Engine prices from the Cloud Billing Catalog API: GET /v1/services/6F81-5844-456A/skus
 * (Compute Engine's service id) answers `{skus: [...], nextPageToken}`, a page at a time, no token on the
 * last. Each SKU has a `description` ("N2 Instance Core running in Americas", "N2 Instance Ram running in
 * Americas"), a `category` (`resourceFamily` 'Compute', `usageType` 'OnDemand' | 'Preemptible' |
 * 'Commit1Yr'…), the `serviceRegions` it is sold in and `pricingInfo[0].pricingExpression` (`usageUnit`
 * 'h' per vCPU or 'GiBy.h' per GiB of memory, `tieredRates[].unitPrice {currencyCode, units, nanos}`).
 *
 * GCE prices machine types per vCPU and per GiB of its family, so a type's hourly price is
 * guestCpus × core price + memory GiB × RAM price of its family (the name's prefix: n2-standard-4 → N2),
 * on demand, in USD. Shared-core types (e2-micro, f1-micro, …) are billed as fractions of a core and are
 * not priced. The API wants an OAuth token (or an API key): Nimbo signs in with a GCP cloud's service
 * account, as its drivers do; what it reads is public list price data, the same for every project.
 */
import { type PricedOs, PriceListError, type PriceListOptions } from '../aws/price-list.js';
import { createAuth } from './client.js';
import type { GcpCredentials } from './credentials.js';

export const DEFAULT_GCP_BILLING_URL = 'https://cloudbilling.googleapis.com';
/** Compute Engine's service id in the catalog. */
export const COMPUTE_SERVICE_ID = '6F81-5844-456A';
export const BILLING_SCOPE = 'https://www.googleapis.com/auth/cloud-billing.readonly';
/** Compute Engine has some tens of thousands of SKUs, 5,000 a page; a runaway token chain stops here. */
const MAX_PAGES = 200;

/** Billed as a fraction of a core (burstable): no per-vCPU price applies. */
export const SHARED_CORE_TYPES = new Set(['e2-micro', 'e2-small', 'e2-medium', 'f1-micro', 'g1-small']);

export interface GcpMachineType {
  name: string;
  cpus: number;
  memoryMiB: number;
}

export interface GcpTypePrice {
  instanceType: string;
  os: PricedOs;
  /** USD per hour, on demand. */
  hourly: number;
}

export interface GcpCatalogOptions extends PriceListOptions {
  credentials: GcpCredentials;
  /** The cloud's endpoint override: the token is then asked of `${endpoint}/token` (tests). */
  endpoint?: string;
  now?: () => Date;
}

interface Money {
  currencyCode?: string;
  units?: string | number;
  nanos?: number;
}

export interface CatalogSku {
  description?: string;
  category?: { resourceFamily?: string; resourceGroup?: string; usageType?: string };
  serviceRegions?: string[];
  pricingInfo?: Array<{
    pricingExpression?: {
      usageUnit?: string;
      tieredRates?: Array<{ startUsageAmount?: number; unitPrice?: Money }>;
    };
  }>;
}

/** The family of a machine type: its name's first segment (n2d-standard-8 → n2d). */
export function machineFamily(type: string): string {
  return type.split('-')[0]!.toLowerCase();
}

/** "N2 Instance Core running in Americas", "N1 Predefined Instance Ram running in …", "N2D AMD Instance Core …". */
const RESOURCE = /^([A-Z][A-Z0-9]*)(?: AMD| Arm| Predefined)? Instance (Core|Ram) running in /i;

/** One SKU's family, resource and unit price, when it is an on-demand per-vCPU or per-GiB price there. */
export function skuRate(
  sku: CatalogSku,
  region: string,
): { family: string; resource: 'core' | 'ram'; price: number } | null {
  const match = RESOURCE.exec(sku.description ?? '');
  if (!match) return null;
  if (sku.category?.resourceFamily !== 'Compute' || sku.category.usageType !== 'OnDemand') return null;
  if (!sku.serviceRegions?.includes(region)) return null;
  const resource = match[2]!.toLowerCase() === 'core' ? 'core' : 'ram';
  const expr = sku.pricingInfo?.[0]?.pricingExpression;
  if (expr?.usageUnit !== (resource === 'core' ? 'h' : 'GiBy.h')) return null;
  const rates = expr.tieredRates ?? [];
  const rate = rates.find((r) => !r.startUsageAmount) ?? rates[0];
  const money = rate?.unitPrice;
  if (money?.currencyCode !== 'USD') return null;
  const price = Number(money.units ?? 0) + (money.nanos ?? 0) / 1e9;
  if (!Number.isFinite(price) || price < 0) return null;
  return { family: match[1]!.toLowerCase(), resource, price };
}

async function accessToken(options: GcpCatalogOptions): Promise<string> {
  const now = options.now ?? (() => new Date());
  try {
    const { authClient } = await createAuth(options.credentials, options.endpoint, now, BILLING_SCOPE);
    const { token } = await authClient.getAccessToken();
    if (!token) throw new Error('no access token');
    return token;
  } catch (err) {
    throw new PriceListError(
      `the GCP service account could not sign in to the Cloud Billing Catalog: ${(err as Error).message}`,
    );
  }
}

async function getPage(url: string, token: string, options: GcpCatalogOptions, signal: AbortSignal) {
  const f = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { signal, headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new PriceListError(`the Cloud Billing Catalog could not be reached: ${(err as Error).message}`);
  }
  if (!res.ok) throw new PriceListError(`the Cloud Billing Catalog answered ${res.status}`);
  try {
    return (await res.json()) as { skus?: unknown; nextPageToken?: unknown } | null;
  } catch (err) {
    throw new PriceListError(`the Cloud Billing Catalog answered no JSON: ${(err as Error).message}`);
  }
}

/** Per family, the on-demand USD price of a vCPU hour and of a GiB hour in `region`, every page read. */
export async function fetchGcpFamilyRates(
  region: string,
  options: GcpCatalogOptions,
): Promise<Map<string, { core?: number; ram?: number }>> {
  const base = (options.baseUrl ?? DEFAULT_GCP_BILLING_URL).replace(/\/+$/, '');
  const signal = AbortSignal.timeout(options.timeoutMs ?? 600_000);
  const token = await accessToken(options);
  const rates = new Map<string, { core?: number; ram?: number }>();
  let pageToken = '';
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) throw new PriceListError(`the Cloud Billing Catalog ran past ${MAX_PAGES} pages`);
    const url = `${base}/v1/services/${COMPUTE_SERVICE_ID}/skus?currencyCode=USD&pageToken=${encodeURIComponent(pageToken)}`;
    const body = await getPage(url, token, options, signal);
    if (!body || typeof body !== 'object' || !Array.isArray(body.skus))
      throw new PriceListError('the Cloud Billing Catalog answered a page without skus');
    for (const sku of body.skus as CatalogSku[]) {
      if (!sku || typeof sku !== 'object') continue;
      const r = skuRate(sku, region);
      if (!r) continue;
      const family = rates.get(r.family) ?? {};
      family[r.resource] = r.price;
      rates.set(r.family, family);
    }
    if (typeof body.nextPageToken !== 'string' || body.nextPageToken === '') break;
    pageToken = body.nextPageToken;
  }
  return rates;
}

/** The hourly price of each machine type whose family has a core and a RAM price (others are left out). */
export function priceMachineTypes(
  types: GcpMachineType[],
  rates: Map<string, { core?: number; ram?: number }>,
): GcpTypePrice[] {
  const out: GcpTypePrice[] = [];
  for (const t of types) {
    if (SHARED_CORE_TYPES.has(t.name) || t.cpus <= 0) continue;
    const r = rates.get(machineFamily(t.name));
    if (r?.core === undefined || r.ram === undefined) continue;
    const hourly = t.cpus * r.core + (t.memoryMiB / 1024) * r.ram;
    out.push({ instanceType: t.name, os: 'linux', hourly: Math.round(hourly * 1e9) / 1e9 });
  }
  return out;
}

/** One region's machine type prices, from the catalog's per-family rates and the region's machine types. */
export async function fetchGcpRegionPrices(
  region: string,
  types: GcpMachineType[],
  options: GcpCatalogOptions,
): Promise<GcpTypePrice[]> {
  return priceMachineTypes(types, await fetchGcpFamilyRates(region, options));
}
