/**
 * A fake of the Azure Retail Prices API on 127.0.0.1: GET /api/retail/prices?$filter=… answers, in the
 * documented shape, `{BillingCurrency, CustomerEntityId, CustomerEntityType, Items, NextPageLink, Count}`,
 * `pageSize` items a page, NextPageLink an absolute URL with `$skip` (null on the last page). The filter
 * must name serviceName 'Virtual Machines', priceType 'Consumption' and an armRegionName; the items of
 * that region are served (Spot, Low Priority and other meters included, for the reader to skip).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMeter {
  armSkuName: string;
  /** 'D2s v5', 'D2s v5 Spot', 'D2s v5 Low Priority' */
  skuName: string;
  /** 'Virtual Machines Dsv5 Series' or '… Windows' */
  productName: string;
  retailPrice: number;
  unitOfMeasure?: string;
  currencyCode?: string;
  type?: string;
  effectiveStartDate?: string;
}

/** One Retail Prices item as the API has it, for a meter of `region`. */
export function retailItem(region: string, m: FakeMeter): Record<string, unknown> {
  return {
    currencyCode: m.currencyCode ?? 'USD',
    tierMinimumUnits: 0.0,
    retailPrice: m.retailPrice,
    unitPrice: m.retailPrice,
    armRegionName: region,
    location: region,
    effectiveStartDate: m.effectiveStartDate ?? '2026-01-01T00:00:00Z',
    meterId: `meter-${m.armSkuName}-${m.skuName}-${m.productName}`,
    meterName: m.skuName,
    productId: 'DZH318Z0BQ4L',
    skuId: 'DZH318Z0BQ4L/00TG',
    productName: m.productName,
    skuName: m.skuName,
    serviceName: 'Virtual Machines',
    serviceId: 'DZH313Z7MMC8',
    serviceFamily: 'Compute',
    unitOfMeasure: m.unitOfMeasure ?? '1 Hour',
    type: m.type ?? 'Consumption',
    isPrimaryMeterRegion: true,
    armSkuName: m.armSkuName,
  };
}

export interface FakeRetailPrices {
  url: string;
  /** The `$filter` and `$skip` of each request, in order. */
  hits: Array<{ filter: string; skip: number }>;
  /** Answer 503 to everything while set. */
  failing: boolean;
  close(): Promise<void>;
}

export async function startFakeRetailPrices(
  regions: Record<string, FakeMeter[]>,
  pageSize = 2,
): Promise<FakeRetailPrices> {
  let server: Server | undefined;
  const state: FakeRetailPrices = {
    url: '',
    hits: [],
    failing: false,
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', state.url);
    const filter = url.searchParams.get('$filter') ?? '';
    const skip = Number(url.searchParams.get('$skip') ?? '0');
    state.hits.push({ filter, skip });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.failing) return send(503, { Error: { Code: 'ServiceUnavailable' } });
    if (url.pathname !== '/api/retail/prices') return send(404, { Error: { Code: 'NotFound' } });
    const region = /armRegionName eq '([^']*)'/.exec(filter)?.[1];
    if (
      !region ||
      !filter.includes("serviceName eq 'Virtual Machines'") ||
      !filter.includes("priceType eq 'Consumption'")
    )
      return send(400, { Error: { Code: 'BadRequest', Message: `unexpected filter ${filter}` } });
    const items = (regions[region] ?? []).map((m) => retailItem(region, m));
    const page = items.slice(skip, skip + pageSize);
    const more = skip + pageSize < items.length;
    const next = new URL('/api/retail/prices', state.url);
    next.searchParams.set('$filter', filter);
    next.searchParams.set('$skip', String(skip + pageSize));
    send(200, {
      BillingCurrency: 'USD',
      CustomerEntityId: 'Default',
      CustomerEntityType: 'Retail',
      Items: page,
      NextPageLink: more ? next.href : null,
      Count: page.length,
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
