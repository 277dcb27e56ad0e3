import { describe, expect, it } from 'vitest';
import {
  JsonChildSplitter,
  onDemandHourly,
  parseOfferStream,
  pricedProduct,
} from '../../../lib/providers/aws/price-list.js';
import { type FakeProduct, offerFile } from '../../fakes/aws-pricing/price-list.js';

const PRODUCTS: FakeProduct[] = [
  { sku: 'LIN1', instanceType: 't3.micro', usd: '0.0104000000' },
  { sku: 'WIN1', instanceType: 't3.micro', operatingSystem: 'Windows', usd: '0.0196000000' },
  { sku: 'LIN2', instanceType: 'm5.large', usd: '0.0960000000' },
  // Not what Nimbo prices: dedicated, BYOL, SQL pre-installed, RHEL, a capacity reservation, a host.
  { sku: 'DED', instanceType: 't3.micro', tenancy: 'Dedicated', usd: '9' },
  {
    sku: 'BYOL',
    instanceType: 't3.micro',
    operatingSystem: 'Windows',
    licenseModel: 'Bring your own license',
    usd: '9',
  },
  { sku: 'SQL', instanceType: 'm5.large', operatingSystem: 'Windows', preInstalledSw: 'SQL Std', usd: '9' },
  { sku: 'RHEL', instanceType: 'm5.large', operatingSystem: 'RHEL', usd: '9' },
  { sku: 'RES', instanceType: 'm5.large', capacitystatus: 'UnusedCapacityReservation', usd: '9' },
  { sku: 'HOST', instanceType: 'm5', productFamily: 'Dedicated Host', usd: '9' },
];

async function* chunksOf(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const sorted = (list: Array<{ instanceType: string; os: string; hourly: number }>) =>
  [...list].sort((a, b) => `${a.instanceType}/${a.os}`.localeCompare(`${b.instanceType}/${b.os}`));

const EXPECTED = [
  { instanceType: 'm5.large', os: 'linux', hourly: 0.096 },
  { instanceType: 't3.micro', os: 'linux', hourly: 0.0104 },
  { instanceType: 't3.micro', os: 'windows', hourly: 0.0196 },
];

describe('the AWS price list offer file reader', () => {
  it('keeps the on-demand hourly price of shared Linux and Windows instances without pre-installed software', async () => {
    const prices = await parseOfferStream(chunksOf(offerFile('eu-west-1', PRODUCTS), 4096));
    expect(sorted(prices)).toEqual(EXPECTED);
  });

  it('reads the same whatever the chunk boundaries, strings with braces and escapes included', async () => {
    const text = offerFile('eu-west-1', PRODUCTS);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      expect(sorted(await parseOfferStream(chunksOf(text, size)))).toEqual(EXPECTED);
    }
  });

  it('reads terms that come before the products', async () => {
    const prices = await parseOfferStream(chunksOf(offerFile('eu-west-1', PRODUCTS, true), 50));
    expect(sorted(prices)).toEqual(EXPECTED);
  });

  it('refuses a file that ends early, or that has neither products nor terms', async () => {
    const text = offerFile('eu-west-1', PRODUCTS);
    await expect(parseOfferStream(chunksOf(text.slice(0, text.length / 2), 100))).rejects.toThrow(
      /ended early/,
    );
    await expect(parseOfferStream(chunksOf('{"formatVersion":"v1.0"}', 5))).rejects.toThrow(/no products/);
  });

  it('parses only the children of the paths asked for', () => {
    const seen: Array<[string, unknown]> = [];
    const s = new JsonChildSplitter([['a', 'b']], (path, value) => seen.push([path, value]));
    s.write('{"x":{"b":{"no":1}},"a":{"b":{"k1":{"v":1},"k2":[2,{"w":"}"}]},"c":{"no":2}}}');
    s.end();
    expect(seen).toEqual([
      ['a\u0000b', { v: 1 }],
      ['a\u0000b', [2, { w: '}' }]],
    ]);
  });

  it('takes a product only with its family, tenancy, software, capacity, licence and operation', () => {
    const attrs = {
      instanceType: 'c5.xlarge',
      operatingSystem: 'Windows',
      tenancy: 'Shared',
      preInstalledSw: 'NA',
      capacitystatus: 'Used',
      licenseModel: 'No License required',
      operation: 'RunInstances:0002',
    };
    expect(pricedProduct({ productFamily: 'Compute Instance', attributes: attrs })).toEqual({
      instanceType: 'c5.xlarge',
      os: 'windows',
    });
    expect(
      pricedProduct({
        productFamily: 'Compute Instance',
        attributes: { ...attrs, operation: 'RunInstances:0102' },
      }),
    ).toBeNull();
    expect(pricedProduct({ productFamily: 'Storage', attributes: attrs })).toBeNull();
  });

  it('reads an hourly USD price, and nothing from a term without one', () => {
    expect(
      onDemandHourly({ t: { priceDimensions: { d: { unit: 'Hrs', pricePerUnit: { USD: '0.5' } } } } }),
    ).toBe(0.5);
    expect(
      onDemandHourly({ t: { priceDimensions: { d: { unit: 'Quantity', pricePerUnit: { USD: '1' } } } } }),
    ).toBeNull();
    expect(
      onDemandHourly({ t: { priceDimensions: { d: { unit: 'Hrs', pricePerUnit: { CNY: '1' } } } } }),
    ).toBeNull();
    expect(onDemandHourly(null)).toBeNull();
  });
});
