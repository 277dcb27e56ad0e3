/**
 * A fake of the AWS Price List Bulk API on 127.0.0.1: region_index.json and per-region EC2 offer files
 * in the documented shape (products{sku:{sku, productFamily, attributes}}, terms.OnDemand{sku:{offerTerm:
 * {priceDimensions:{rate:{unit, pricePerUnit:{USD}}}}}}, and terms.Reserved beside, which must be ignored).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeProduct {
  sku: string;
  instanceType: string;
  operatingSystem?: string;
  tenancy?: string;
  preInstalledSw?: string;
  capacitystatus?: string;
  licenseModel?: string;
  operation?: string;
  productFamily?: string;
  usd: string;
}

/** An offer file for `products`, with a reserved term for each that a parser must not take. */
export function offerFile(region: string, products: FakeProduct[], termsFirst = false): string {
  const productsPart = Object.fromEntries(
    products.map((p) => [
      p.sku,
      {
        sku: p.sku,
        productFamily: p.productFamily ?? 'Compute Instance',
        attributes: {
          servicecode: 'AmazonEC2',
          regionCode: region,
          instanceType: p.instanceType,
          operatingSystem: p.operatingSystem ?? 'Linux',
          tenancy: p.tenancy ?? 'Shared',
          preInstalledSw: p.preInstalledSw ?? 'NA',
          capacitystatus: p.capacitystatus ?? 'Used',
          licenseModel: p.licenseModel ?? 'No License required',
          operation:
            p.operation ??
            ((p.operatingSystem ?? 'Linux') === 'Windows' ? 'RunInstances:0002' : 'RunInstances'),
          note: 'a "quoted" value, with {braces} and [brackets] \\ and a backslash',
        },
      },
    ]),
  );
  const term = (p: FakeProduct, code: string, usd: string, unit = 'Hrs') => ({
    [`${p.sku}.${code}`]: {
      offerTermCode: code,
      sku: p.sku,
      effectiveDate: '2026-11-01T00:00:00Z',
      priceDimensions: {
        [`${p.sku}.${code}.6YS6EN2CT7`]: {
          rateCode: `${p.sku}.${code}.6YS6EN2CT7`,
          description: `$${usd} per On Demand ${p.instanceType} Instance Hour`,
          unit,
          pricePerUnit: { USD: usd },
        },
      },
      termAttributes: {},
    },
  });
  const terms = {
    OnDemand: Object.fromEntries(products.map((p) => [p.sku, term(p, 'JRTCKXETXF', p.usd)])),
    Reserved: Object.fromEntries(products.map((p) => [p.sku, term(p, '4NA7Y494T4', '0.0001', 'Quantity')])),
  };
  const head = {
    formatVersion: 'v1.0',
    disclaimer: 'fake',
    offerCode: 'AmazonEC2',
    version: '20261101000000',
  };
  const doc = termsFirst
    ? { ...head, terms, products: productsPart }
    : { ...head, products: productsPart, terms };
  return JSON.stringify(doc, null, 1);
}

export interface FakePriceList {
  url: string;
  /** Requests served, by path. */
  hits: string[];
  /** Answer 503 for everything while set. */
  failing: boolean;
  close(): Promise<void>;
}

export async function startFakePriceList(offers: Record<string, string>): Promise<FakePriceList> {
  const state = { hits: [] as string[], failing: false };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    state.hits.push(path);
    if (state.failing) {
      res.writeHead(503).end('unavailable');
      return;
    }
    if (path === '/offers/v1.0/aws/AmazonEC2/current/region_index.json') {
      const regions = Object.fromEntries(
        Object.keys(offers).map((r) => [
          r,
          { regionCode: r, currentVersionUrl: `/offers/v1.0/aws/AmazonEC2/20261101000000/${r}/index.json` },
        ]),
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ regions }));
      return;
    }
    const m = /^\/offers\/v1\.0\/aws\/AmazonEC2\/20261101000000\/([a-z0-9-]+)\/index\.json$/.exec(path);
    const body = m ? offers[m[1]!] : undefined;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    // Streamed in small chunks, as a multi-gigabyte file arrives.
    res.writeHead(200, { 'content-type': 'application/json' });
    const bytes = Buffer.from(body);
    for (let i = 0; i < bytes.length; i += 333) res.write(bytes.subarray(i, i + 333));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    get failing() {
      return state.failing;
    },
    set failing(v: boolean) {
      state.failing = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
