/**
 * Machine prices. Drivers that get prices from their provider's own API (DigitalOcean, Hetzner) or
 * catalog (sim) set them on what they list; AWS machines are priced here from the AWS Price List Bulk
 * API, cached in MongoDB per region (collection `prices`, one document per instance type and OS) and
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
  type PriceListOptions,
} from '../providers/aws/price-list.js';
import type { Provider } from '../providers/capabilities.js';
import type { MachinePrice, ProviderMachine } from '../providers/compute.js';

export interface PriceDoc {
  /** aws:<region>:<instanceType>:<os> */
  _id: string;
  provider: 'aws';
  region: string;
  instanceType: string;
  os: PricedOs;
  hourly: number;
  currency: 'USD';
  fetchedAt: Date;
}

export interface PriceRegionDoc {
  /** aws:<region> */
  _id: string;
  provider: 'aws';
  region: string;
  /** When a poll first found a machine there. */
  wantedAt: Date;
  /** The last successful refresh; null until the first. */
  fetchedAt: Date | null;
  /** The last attempt, successful or not (a failed region is retried after RETRY_MS). */
  attemptedAt: Date | null;
  error: string | null;
  count: number;
}

/** A region's prices are refreshed once a day. */
export const REFRESH_MS = 86_400_000;
/** A failed refresh is tried again after an hour. */
export const RETRY_MS = 3_600_000;

export const AWS_PRICE_SOURCE = 'aws-price-list';

export function priceCollections(db: Db) {
  return {
    prices: db.collection<PriceDoc>('prices'),
    regions: db.collection<PriceRegionDoc>('price_regions'),
  };
}

/** The Bulk API's base URL: NIMBO_AWS_PRICE_LIST_URL (tests: a fake on 127.0.0.1), else AWS's. */
export function priceListOptions(env: NodeJS.ProcessEnv = process.env): PriceListOptions {
  return { baseUrl: env.NIMBO_AWS_PRICE_LIST_URL || DEFAULT_PRICE_LIST_URL };
}

const unknown = (reason: string): MachinePrice => ({ currency: null, source: null, reason });

/** Why a machine the driver did not price has no price, for providers Nimbo has no price source for. */
export function unpricedBecause(provider: Provider): MachinePrice {
  switch (provider) {
    case 'ssh':
      return unknown('a bring-your-own host has no provider price');
    case 'gcp':
    case 'azure':
      return unknown(`Nimbo reads no price list for ${provider} yet`);
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

const priceId = (region: string, type: string, os: PricedOs) => `aws:${region}:${type}:${os}`;

/**
 * Prices listed AWS machines from the cache: one read of the regions' status and one of the prices.
 * Regions never asked for are recorded as wanted, for the tick to fetch.
 */
export async function priceAwsMachines(
  deps: ServiceDeps,
  listed: ProviderMachine[],
): Promise<ProviderMachine[]> {
  if (listed.length === 0) return listed;
  const { prices, regions } = priceCollections(deps.db);
  const regionNames = [...new Set(listed.map((m) => m.region))];
  const known = new Map(
    (await regions.find({ _id: { $in: regionNames.map((r) => `aws:${r}`) } }).toArray()).map((r) => [
      r.region,
      r,
    ]),
  );
  const missing = regionNames.filter((r) => !known.has(r));
  if (missing.length > 0) {
    const now = deps.now();
    await regions.bulkWrite(
      missing.map((region) => ({
        updateOne: {
          filter: { _id: `aws:${region}` },
          update: {
            $setOnInsert: {
              provider: 'aws' as const,
              region,
              wantedAt: now,
              fetchedAt: null,
              attemptedAt: null,
              error: null,
              count: 0,
            },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
  const wanted = new Set<string>();
  for (const m of listed) {
    const os = awsPricedOs(m.extra?.platform);
    if (m.size && os) wanted.add(priceId(m.region, m.size, os));
  }
  const found = new Map(
    wanted.size === 0
      ? []
      : (await prices.find({ _id: { $in: [...wanted] } }).toArray()).map((p) => [p._id, p] as const),
  );
  return listed.map((m) => {
    const os = awsPricedOs(m.extra?.platform);
    if (!m.size) return { ...m, price: unknown('the machine has no instance type') };
    if (!os) {
      return {
        ...m,
        price: unknown(`platform ${String(m.extra?.platform)} is not priced: Linux and Windows only`),
      };
    }
    const p = found.get(priceId(m.region, m.size, os));
    if (p)
      return {
        ...m,
        hourlyCost: p.hourly,
        price: { currency: 'USD', source: AWS_PRICE_SOURCE, reason: null },
      };
    const region = known.get(m.region);
    if (!region?.fetchedAt) {
      return {
        ...m,
        price: unknown(
          region?.error
            ? `the AWS price list of ${m.region} could not be fetched: ${region.error}`
            : `the AWS price list of ${m.region} has not been fetched yet`,
        ),
      };
    }
    return { ...m, price: unknown(`${m.size} (${os}) is not in the AWS price list of ${m.region}`) };
  });
}

/** Fetches one region's prices and replaces its cached ones; a failure is recorded, the old cache kept. */
export async function refreshAwsRegion(
  deps: ServiceDeps,
  region: string,
  options: PriceListOptions = priceListOptions(),
): Promise<{ ok: boolean; count: number; error: string | null }> {
  const { prices, regions } = priceCollections(deps.db);
  const started = deps.now();
  const base = { provider: 'aws' as const, region };
  try {
    const list = await fetchRegionPrices(region, options);
    const fetchedAt = deps.now();
    if (list.length > 0) {
      await prices.bulkWrite(
        list.map((p) => ({
          replaceOne: {
            filter: { _id: priceId(region, p.instanceType, p.os) },
            replacement: { ...base, ...p, currency: 'USD' as const, fetchedAt },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
    await prices.deleteMany({ region, fetchedAt: { $lt: fetchedAt } });
    await regions.updateOne(
      { _id: `aws:${region}` },
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
      { _id: `aws:${region}` },
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
 * RETRY_MS) with a compare-and-set on attemptedAt; answers its name, or null when none is due.
 */
export async function claimDuePriceRegion(deps: ServiceDeps): Promise<string | null> {
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
  return claimed.modifiedCount === 1 ? due.region : null;
}

/** Claims the most overdue region and refreshes it, in one call (one region: an offer file is large). */
export async function refreshDuePriceRegion(
  deps: ServiceDeps,
  options: PriceListOptions = priceListOptions(),
): Promise<{ region: string; ok: boolean; count: number; error: string | null } | null> {
  const region = await claimDuePriceRegion(deps);
  if (!region) return null;
  return { region, ...(await refreshAwsRegion(deps, region, options)) };
}
