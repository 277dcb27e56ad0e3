/**
 * Machine prices. Drivers that get prices from their provider's own API (DigitalOcean, Hetzner) or
 * catalog (sim) set them on what they list; AWS machines are priced here from the AWS Price List Bulk
 * API, Azure machines from the Azure Retail Prices API and GCP machines from the Cloud Billing Catalog API,
 * all cached in MongoDB per provider and region (collection `prices`, one document per size and OS) and
 * refreshed daily by the tick. A region first seen in a poll is asked for (`price_regions`), fetched at a
 * later tick, and its machines are priced from the next poll on. Without a cache (offline, or never
 * fetched), a machine's hourlyCost stays null and its `price.reason` says why.
 */
import type { Db } from 'mongodb';
import type { ServiceDeps } from '../core/deps.js';
import {
  DEFAULT_PRICE_LIST_URL,
  fetchRegionPrices,
  type PricedOs,
  PriceListError,
  type PriceListOptions,
} from '../providers/aws/price-list.js';
import { DEFAULT_AZURE_PRICES_URL, fetchAzureRegionPrices } from '../providers/azure/retail-prices.js';
import type { Provider } from '../providers/capabilities.js';
import type { MachinePrice, ProviderMachine } from '../providers/compute.js';
import {
  DEFAULT_GCP_BILLING_URL,
  fetchGcpRegionPrices,
  type GcpMachineType,
  machineFamily,
  SHARED_CORE_TYPES,
} from '../providers/gcp/billing-catalog.js';
import type { GcpCredentials } from '../providers/gcp/credentials.js';
import { regionOfZone } from '../providers/gcp/mapping.js';

/** The providers whose prices Nimbo reads from a price list and caches per region. */
export type PricedProvider = 'aws' | 'azure' | 'gcp';

export interface PriceDoc {
  /** <provider>:<region>:<instanceType>:<os> (Azure's instanceType is its ARM size, Standard_D2s_v5). */
  _id: string;
  provider: PricedProvider;
  region: string;
  instanceType: string;
  os: PricedOs;
  hourly: number;
  currency: 'USD';
  fetchedAt: Date;
}

export interface PriceRegionDoc {
  /** <provider>:<region> */
  _id: string;
  provider: PricedProvider;
  region: string;
  /** When a poll first found a machine there. */
  wantedAt: Date;
  /** The last successful refresh; null until the first. */
  fetchedAt: Date | null;
  /** The last attempt, successful or not (a failed region is retried after RETRY_MS). */
  attemptedAt: Date | null;
  error: string | null;
  count: number;
  /**
   * GCP only: the cloud that asked for the region (a poll found its machines there). The Cloud Billing
   * Catalog wants a signed-in caller, so the refresh signs in with this cloud's service account; the
   * prices it reads are public list prices, the same for every project, so one cache per region serves
   * every org. Replaced by the next asking cloud when the refresh failed.
   */
  orgId?: string;
  cloudId?: string;
}

/** A region's prices are refreshed once a day. */
export const REFRESH_MS = 86_400_000;
/** A failed refresh is tried again after an hour. */
export const RETRY_MS = 3_600_000;

export const AWS_PRICE_SOURCE = 'aws-price-list';
export const AZURE_PRICE_SOURCE = 'azure-retail-prices';
export const GCP_PRICE_SOURCE = 'gcp-cloud-billing';

export function priceCollections(db: Db) {
  return {
    prices: db.collection<PriceDoc>('prices'),
    regions: db.collection<PriceRegionDoc>('price_regions'),
  };
}

/** Each price list's base URL, per provider. */
export type PriceSources = Partial<Record<PricedProvider, RefreshOptions>>;

/**
 * A price list's base URL: NIMBO_AWS_PRICE_LIST_URL / NIMBO_AZURE_PRICES_URL / NIMBO_GCP_BILLING_URL
 * (tests: fakes on 127.0.0.1), else the provider's own.
 */
export function priceListOptions(
  provider: PricedProvider = 'aws',
  env: NodeJS.ProcessEnv = process.env,
): PriceListOptions {
  if (provider === 'azure') return { baseUrl: env.NIMBO_AZURE_PRICES_URL || DEFAULT_AZURE_PRICES_URL };
  if (provider === 'gcp') return { baseUrl: env.NIMBO_GCP_BILLING_URL || DEFAULT_GCP_BILLING_URL };
  return { baseUrl: env.NIMBO_AWS_PRICE_LIST_URL || DEFAULT_PRICE_LIST_URL };
}

export function isPricedProvider(provider: unknown): provider is PricedProvider {
  return provider === 'aws' || provider === 'azure' || provider === 'gcp';
}

const unknown = (reason: string): MachinePrice => ({ currency: null, source: null, reason });

/** Why a machine the driver did not price has no price, for providers Nimbo has no price source for. */
export function unpricedBecause(provider: Provider): MachinePrice {
  switch (provider) {
    case 'ssh':
      return unknown('a bring-your-own host has no provider price');
    default:
      return unknown(`${provider} did not report a price for this machine`);
  }
}

/** The OS an EC2 platform is priced as: Linux/UNIX and Windows only (RHEL, SUSE, SQL Server are not). */
export function awsPricedOs(platform: unknown): PricedOs | null {
  if (platform === undefined || platform === null || platform === 'Linux/UNIX') return 'linux';
  if (platform === 'Windows' || platform === 'windows') return 'windows';
  return null;
}

/** The OS an Azure VM is priced as: its OS disk's osType (Linux, Windows); linux when it has none. */
export function azurePricedOs(osType: unknown): PricedOs {
  return typeof osType === 'string' && osType.toLowerCase() === 'windows' ? 'windows' : 'linux';
}

interface PriceRules {
  /** What a price's `source` is, and how reasons name the list. */
  source: string;
  listName: string;
  /** The OS a machine is priced as, or null with the reason it is not priced. */
  os: (m: ProviderMachine) => PricedOs | { reason: string };
  noSize: string;
  /** The price region of a machine's `region` (a GCP machine's is its zone). */
  regionOf?: (region: string) => string;
  /** Why a size the fetched list lacks has no price. */
  notListed?: (size: string, region: string) => string;
}

const RULES: Record<PricedProvider, PriceRules> = {
  aws: {
    source: AWS_PRICE_SOURCE,
    listName: 'the AWS price list',
    os: (m) =>
      awsPricedOs(m.extra?.platform) ?? {
        reason: `platform ${String(m.extra?.platform)} is not priced: Linux and Windows only`,
      },
    noSize: 'the machine has no instance type',
  },
  azure: {
    source: AZURE_PRICE_SOURCE,
    listName: 'the Azure retail price list',
    os: (m) => azurePricedOs(m.extra?.osType),
    noSize: 'the machine has no VM size',
  },
  gcp: {
    source: GCP_PRICE_SOURCE,
    listName: 'the GCP Cloud Billing catalog',
    // Premium images' licences (Windows, RHEL, SQL Server) are billed on top: the price is the machine's.
    os: () => 'linux',
    noSize: 'the machine has no machine type',
    regionOf: regionOfZone,
    notListed: (size, region) =>
      SHARED_CORE_TYPES.has(size)
        ? `${size} is a shared-core machine type, billed as a fraction of a vCPU: not priced`
        : `the GCP Cloud Billing catalog of ${region} has no on-demand "${machineFamily(size).toUpperCase()} Instance Core/Ram" price for ${size}'s family, or ${region} lists no ${size}`,
  },
};

const priceId = (provider: PricedProvider, region: string, type: string, os: PricedOs) =>
  `${provider}:${region}:${type}:${os}`;
const regionId = (provider: PricedProvider, region: string) => `${provider}:${region}`;

/** Prices listed AWS machines from the cache (priceMachines for 'aws'). */
export function priceAwsMachines(deps: ServiceDeps, listed: ProviderMachine[]): Promise<ProviderMachine[]> {
  return priceMachines(deps, 'aws', listed);
}

/**
 * Prices listed machines of an AWS, Azure or GCP cloud from the cache: one read of the regions' status
 * and one of the prices. Regions never asked for are recorded as wanted, for the tick to fetch; `asker`
 * (the polled cloud) is remembered on a GCP region, whose refresh signs in with its credentials.
 */
export async function priceMachines(
  deps: ServiceDeps,
  provider: PricedProvider,
  listed: ProviderMachine[],
  asker?: { orgId: string; cloudId: string },
): Promise<ProviderMachine[]> {
  if (listed.length === 0) return listed;
  const rules = RULES[provider];
  const regionOf = rules.regionOf ?? ((r: string) => r);
  const { prices, regions } = priceCollections(deps.db);
  const regionNames = [...new Set(listed.map((m) => regionOf(m.region)))];
  const known = new Map(
    (await regions.find({ _id: { $in: regionNames.map((r) => regionId(provider, r)) } }).toArray()).map(
      (r) => [r.region, r],
    ),
  );
  const missing = regionNames.filter((r) => !known.has(r));
  const remember = provider === 'gcp' && asker ? { orgId: asker.orgId, cloudId: asker.cloudId } : null;
  // A GCP region with no cloud to sign in with, or whose refresh failed with it, takes this one.
  const reassign = remember
    ? regionNames.filter((r) => {
        const doc = known.get(r);
        return doc && (!doc.cloudId || (doc.error && doc.cloudId !== remember.cloudId));
      })
    : [];
  if (missing.length > 0 || reassign.length > 0) {
    const now = deps.now();
    await regions.bulkWrite(
      [
        ...missing.map((region) => ({
          updateOne: {
            filter: { _id: regionId(provider, region) },
            update: {
              $setOnInsert: {
                provider,
                region,
                wantedAt: now,
                fetchedAt: null,
                attemptedAt: null,
                error: null,
                count: 0,
                ...(remember ?? {}),
              },
            },
            upsert: true,
          },
        })),
        ...reassign.map((region) => ({
          updateOne: { filter: { _id: regionId(provider, region) }, update: { $set: { ...remember! } } },
        })),
      ],
      { ordered: false },
    );
  }
  const osOf = (m: ProviderMachine) => {
    const os = rules.os(m);
    return typeof os === 'string' ? os : null;
  };
  const wanted = new Set<string>();
  for (const m of listed) {
    const os = osOf(m);
    if (m.size && os) wanted.add(priceId(provider, regionOf(m.region), m.size, os));
  }
  const found = new Map(
    wanted.size === 0
      ? []
      : (await prices.find({ _id: { $in: [...wanted] } }).toArray()).map((p) => [p._id, p] as const),
  );
  return listed.map((m) => {
    if (!m.size) return { ...m, price: unknown(rules.noSize) };
    const os = rules.os(m);
    if (typeof os !== 'string') return { ...m, price: unknown(os.reason) };
    const priceRegion = regionOf(m.region);
    const p = found.get(priceId(provider, priceRegion, m.size, os));
    if (p)
      return {
        ...m,
        hourlyCost: p.hourly,
        price: { currency: p.currency, source: rules.source, reason: null },
      };
    const region = known.get(priceRegion);
    if (!region?.fetchedAt) {
      return {
        ...m,
        price: unknown(
          region?.error
            ? `${rules.listName} of ${priceRegion} could not be fetched: ${region.error}`
            : `${rules.listName} of ${priceRegion} has not been fetched yet`,
        ),
      };
    }
    return {
      ...m,
      price: unknown(
        rules.notListed?.(m.size, priceRegion) ??
          `${m.size} (${os}) is not in ${rules.listName} of ${priceRegion}`,
      ),
    };
  });
}

/** Fetches one AWS region's prices (refreshPriceRegion for 'aws'). */
export function refreshAwsRegion(
  deps: ServiceDeps,
  region: string,
  options: PriceListOptions = priceListOptions('aws'),
): Promise<{ ok: boolean; count: number; error: string | null }> {
  return refreshPriceRegion(deps, 'aws', region, options);
}

/**
 * How a GCP region's refresh signs in: the asking cloud's service account, endpoint and the region's
 * machine types (lib/clouds/drivers.ts gcpPriceAccess; costs/ cannot open clouds itself), null when that
 * cloud is gone.
 */
export type GcpPriceAccess = (
  deps: ServiceDeps,
  ref: { orgId: string; cloudId: string },
  region: string,
) => Promise<{
  credentials: GcpCredentials;
  endpoint?: string;
  machineTypes: GcpMachineType[];
} | null>;

export interface RefreshOptions extends PriceListOptions {
  gcpAccess?: GcpPriceAccess;
}

type Fetcher = (
  deps: ServiceDeps,
  region: string,
  options: RefreshOptions,
) => Promise<Array<{ instanceType: string; os: PricedOs; hourly: number }>>;

/** GCP: the catalog is read with the credentials of the cloud the region doc remembers. */
const fetchGcp: Fetcher = async (deps, region, options) => {
  const doc = await priceCollections(deps.db).regions.findOne({ _id: regionId('gcp', region) });
  if (!doc?.orgId || !doc.cloudId)
    throw new PriceListError(`no GCP cloud has asked for ${region}: none to sign in to the catalog with`);
  if (!options.gcpAccess) throw new PriceListError('GCP prices cannot be refreshed here: no cloud access');
  const access = await options.gcpAccess(deps, { orgId: doc.orgId, cloudId: doc.cloudId }, region);
  if (!access) throw new PriceListError(`GCP cloud ${doc.cloudId}, which asked for ${region}, is gone`);
  const { machineTypes, ...signIn } = access;
  return fetchGcpRegionPrices(region, machineTypes, { ...options, ...signIn, now: deps.now });
};

const FETCHERS: Record<PricedProvider, Fetcher> = {
  aws: (_deps, region, options) => fetchRegionPrices(region, options),
  azure: (_deps, region, options) => fetchAzureRegionPrices(region, options),
  gcp: fetchGcp,
};

/**
 * Fetches one provider's region's prices and replaces its cached ones; a failure is recorded, the old
 * cache kept.
 */
export async function refreshPriceRegion(
  deps: ServiceDeps,
  provider: PricedProvider,
  region: string,
  options: RefreshOptions = priceListOptions(provider),
): Promise<{ ok: boolean; count: number; error: string | null }> {
  const { prices, regions } = priceCollections(deps.db);
  const started = deps.now();
  const base = { provider, region };
  try {
    const list = await FETCHERS[provider](deps, region, options);
    const fetchedAt = deps.now();
    if (list.length > 0) {
      await prices.bulkWrite(
        list.map((p) => ({
          replaceOne: {
            filter: { _id: priceId(provider, region, p.instanceType, p.os) },
            replacement: { ...base, ...p, currency: 'USD' as const, fetchedAt },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
    await prices.deleteMany({ provider, region, fetchedAt: { $lt: fetchedAt } });
    await regions.updateOne(
      { _id: regionId(provider, region) },
      {
        $set: { fetchedAt, attemptedAt: started, error: null, count: list.length },
        $setOnInsert: { ...base, wantedAt: started },
      },
      { upsert: true },
    );
    return { ok: true, count: list.length, error: null };
  } catch (err) {
    const error = (err as Error).message;
    await regions.updateOne(
      { _id: regionId(provider, region) },
      {
        $set: { attemptedAt: started, error },
        $setOnInsert: { ...base, wantedAt: started, fetchedAt: null, count: 0 },
      },
      { upsert: true },
    );
    return { ok: false, count: 0, error };
  }
}

/**
 * Claims the region most overdue for a refresh (never fetched, or older than a day; a failed one after
 * RETRY_MS), whatever its provider, with a compare-and-set on attemptedAt; answers its provider and
 * name, or null when none is due.
 */
export async function claimDuePriceRegion(
  deps: ServiceDeps,
): Promise<{ provider: PricedProvider; region: string } | null> {
  const now = deps.now();
  const { regions } = priceCollections(deps.db);
  const stale = new Date(now.getTime() - REFRESH_MS);
  const retry = new Date(now.getTime() - RETRY_MS);
  const due = await regions.findOne(
    {
      $and: [
        { $or: [{ fetchedAt: null }, { fetchedAt: { $lte: stale } }] },
        { $or: [{ attemptedAt: null }, { attemptedAt: { $lte: retry } }] },
      ],
    },
    { sort: { wantedAt: 1 } },
  );
  if (!due) return null;
  const claimed = await regions.updateOne(
    { _id: due._id, attemptedAt: due.attemptedAt },
    { $set: { attemptedAt: now } },
  );
  // Regions recorded before there was a provider field were AWS's.
  return claimed.modifiedCount === 1 ? { provider: due.provider ?? 'aws', region: due.region } : null;
}

/** Claims the most overdue region and refreshes it, in one call (one region: an offer file is large). */
export async function refreshDuePriceRegion(
  deps: ServiceDeps,
  sources: PriceSources = {},
): Promise<{
  provider: PricedProvider;
  region: string;
  ok: boolean;
  count: number;
  error: string | null;
} | null> {
  const due = await claimDuePriceRegion(deps);
  if (!due) return null;
  const options = sources[due.provider] ?? priceListOptions(due.provider);
  return { ...due, ...(await refreshPriceRegion(deps, due.provider, due.region, options)) };
}
