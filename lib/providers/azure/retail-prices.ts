/**
 * The Azure Retail Prices API (public, no credentials): GET /api/retail/prices with an OData `$filter`
 * answers `{BillingCurrency, Items: [...], NextPageLink, Count}`, one page at a time, NextPageLink null on
 * the last. Each item is one meter: `armSkuName` (Standard_D2s_v5), `armRegionName`, `retailPrice`,
 * `unitOfMeasure` ('1 Hour'), `currencyCode`, `type` ('Consumption'), `productName` ('Virtual Machines
 * Dsv5 Series Windows'), `skuName` ('D2s v5', 'D2s v5 Spot', 'D2s v5 Low Priority'). Nimbo keeps the
 * pay-as-you-go hourly USD price of each size, Linux or Windows (Spot and Low Priority meters skipped).
 */
import { type PricedOs, PriceListError, type PriceListOptions } from '../aws/price-list.js';

export const DEFAULT_AZURE_PRICES_URL = 'https://prices.azure.com';
const PRICES_PATH = '/api/retail/prices';
/** A region's VM meters are a few thousand; a runaway NextPageLink chain stops here. */
const MAX_PAGES = 500;

export interface AzureSizePrice {
  /** The ARM size name, as a VM's hardwareProfile.vmSize has it. */
  instanceType: string;
  os: PricedOs;
  /** USD per hour, pay as you go. */
  hourly: number;
}

export interface RetailPriceItem {
  armSkuName?: string;
  armRegionName?: string;
  retailPrice?: number;
  unitOfMeasure?: string;
  currencyCode?: string;
  type?: string;
  productName?: string;
  skuName?: string;
  meterName?: string;
  serviceName?: string;
  effectiveStartDate?: string;
  isPrimaryMeterRegion?: boolean;
}

/** The OData filter of one region's pay-as-you-go VM meters (the region name is an ARM name, no quotes). */
export function regionFilter(region: string): string {
  return `serviceName eq 'Virtual Machines' and armRegionName eq '${region.replace(/'/g, "''")}' and priceType eq 'Consumption'`;
}

/** The size, OS and hourly price of one meter, when it is one Nimbo prices; null otherwise. */
export function pricedItem(item: RetailPriceItem, region: string): AzureSizePrice | null {
  if (!item.armSkuName || item.armRegionName !== region) return null;
  if (item.serviceName !== undefined && item.serviceName !== 'Virtual Machines') return null;
  if (item.type !== undefined && item.type !== 'Consumption') return null;
  if (item.unitOfMeasure !== '1 Hour' || item.currencyCode !== 'USD') return null;
  const names = `${item.skuName ?? ''} ${item.meterName ?? ''}`;
  if (/\bSpot\b|\bLow Priority\b/i.test(names)) return null;
  if (typeof item.retailPrice !== 'number' || !Number.isFinite(item.retailPrice) || item.retailPrice < 0)
    return null;
  const os: PricedOs = /\bWindows\b/i.test(item.productName ?? '') ? 'windows' : 'linux';
  return { instanceType: item.armSkuName, os, hourly: item.retailPrice };
}

async function getPage(url: string, options: PriceListOptions, signal: AbortSignal): Promise<unknown> {
  const f = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { signal, headers: { accept: 'application/json' } });
  } catch (err) {
    throw new PriceListError(`the Azure retail prices could not be reached: ${(err as Error).message}`);
  }
  if (!res.ok) throw new PriceListError(`the Azure retail prices answered ${res.status}`);
  try {
    return await res.json();
  } catch (err) {
    throw new PriceListError(`the Azure retail prices answered no JSON: ${(err as Error).message}`);
  }
}

/**
 * One region's pay-as-you-go VM prices, every page followed. A NextPageLink off the API's origin is
 * refused (a price list never sends Nimbo elsewhere). A size met twice keeps its newest meter.
 */
export async function fetchAzureRegionPrices(
  region: string,
  options: PriceListOptions = {},
): Promise<AzureSizePrice[]> {
  const base = (options.baseUrl ?? DEFAULT_AZURE_PRICES_URL).replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 600_000);
  const out = new Map<string, AzureSizePrice & { since: string }>();
  let url: string | null = `${base}${PRICES_PATH}?$filter=${encodeURIComponent(regionFilter(region))}`;
  for (let page = 0; url; page++) {
    if (page >= MAX_PAGES)
      throw new PriceListError(`the Azure retail prices of ${region} ran past ${MAX_PAGES} pages`);
    const body = (await getPage(url, options, signal)) as { Items?: unknown; NextPageLink?: unknown } | null;
    if (!body || typeof body !== 'object' || !Array.isArray(body.Items))
      throw new PriceListError(`the Azure retail prices of ${region} answered a page without Items`);
    for (const raw of body.Items as RetailPriceItem[]) {
      if (!raw || typeof raw !== 'object') continue;
      if (raw.isPrimaryMeterRegion === false) continue;
      const p = pricedItem(raw, region);
      if (!p) continue;
      const key = `${p.instanceType}/${p.os}`;
      const since = raw.effectiveStartDate ?? '';
      const prior = out.get(key);
      if (!prior || since > prior.since || (since === prior.since && p.hourly < prior.hourly))
        out.set(key, { ...p, since });
    }
    const next = body.NextPageLink;
    if (typeof next !== 'string' || next === '') url = null;
    else {
      let parsed: URL;
      try {
        parsed = new URL(next);
      } catch {
        throw new PriceListError(`the Azure retail prices sent a NextPageLink that is no URL`);
      }
      if (parsed.origin !== origin)
        throw new PriceListError(`the Azure retail prices sent a NextPageLink off ${origin}`);
      url = parsed.href;
    }
  }
  return [...out.values()].map(({ since: _since, ...p }) => p);
}
