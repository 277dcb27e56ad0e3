/**
 * A fake Cloud Billing Catalog API (GET /v1/services/{serviceId}/skus?currencyCode=&pageToken=), mounted on
 * the fake Compute Engine host (test/fakes/gcp): it shares that host's token endpoint and its Bearer check,
 * so a call without the token the service account signed in for answers 401. SKUs are served `pageSize`
 * a page, `nextPageToken` the next offset, none on the last page, as the API documents.
 */
import type { GcpComputeFake } from '../gcp/compute-fake.js';

export interface FakeSku {
  description: string;
  usageType?: 'OnDemand' | 'Preemptible' | 'Commit1Yr' | 'Commit3Yr';
  resourceGroup?: string;
  regions: string[];
  /** USD per unit (vCPU hour or GiB hour), split into units and nanos as the API does. */
  price: number;
  usageUnit?: 'h' | 'GiBy.h';
}

export interface FakeBillingCatalog {
  /** The pageToken and currencyCode of each call served. */
  readonly hits: Array<{ serviceId: string; pageToken: string; currencyCode: string | null }>;
  skus: FakeSku[];
  pageSize: number;
  /** While set, every call answers this status. */
  failStatus: number | null;
}

function skuJson(s: FakeSku, i: number) {
  const units = Math.floor(s.price);
  const unit = s.usageUnit ?? (/ Ram /.test(s.description) ? 'GiBy.h' : 'h');
  return {
    name: `services/6F81-5844-456A/skus/FAKE-${i}`,
    skuId: `FAKE-${i}`,
    description: s.description,
    category: {
      serviceDisplayName: 'Compute Engine',
      resourceFamily: 'Compute',
      resourceGroup: s.resourceGroup ?? (/ Ram /.test(s.description) ? 'RAM' : 'CPU'),
      usageType: s.usageType ?? 'OnDemand',
    },
    serviceRegions: s.regions,
    pricingInfo: [
      {
        effectiveTime: '2026-11-01T00:00:00Z',
        summary: '',
        pricingExpression: {
          usageUnit: unit,
          usageUnitDescription: unit === 'h' ? 'hour' : 'gibibyte hour',
          baseUnit: unit === 'h' ? 's' : 'By.s',
          displayQuantity: 1,
          tieredRates: [
            {
              startUsageAmount: 0,
              unitPrice: {
                currencyCode: 'USD',
                units: String(units),
                nanos: Math.round((s.price - units) * 1e9),
              },
            },
          ],
        },
        currencyConversionRate: 1,
      },
    ],
    serviceProviderName: 'Google',
  };
}

export function mountBillingCatalog(fake: GcpComputeFake, skus: FakeSku[], pageSize = 3): FakeBillingCatalog {
  const catalog: FakeBillingCatalog = { hits: [], skus, pageSize, failStatus: null };
  fake.mount('/v1/services/', (res, url, method) => {
    const match = /^\/v1\/services\/([^/]+)\/skus$/.exec(url.pathname);
    if (method !== 'GET' || !match) return fake.error(res, 404, 'notFound', `no ${url.pathname}`);
    const pageToken = url.searchParams.get('pageToken') ?? '';
    catalog.hits.push({
      serviceId: match[1]!,
      pageToken,
      currencyCode: url.searchParams.get('currencyCode'),
    });
    if (catalog.failStatus) return fake.error(res, catalog.failStatus, 'backendError', 'Injected failure');
    const offset = Number(pageToken || 0);
    const all = match[1] === '6F81-5844-456A' ? catalog.skus.map(skuJson) : [];
    const page = all.slice(offset, offset + catalog.pageSize);
    const next =
      offset + catalog.pageSize < all.length ? { nextPageToken: String(offset + catalog.pageSize) } : {};
    fake.send(res, 200, { skus: page, ...next });
  });
  return catalog;
}
