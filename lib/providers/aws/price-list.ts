/**
 * The AWS Price List Bulk API (public, no credentials): region_index.json names each region's current
 * EC2 offer file, in the documented shape `{products: {sku: {sku, productFamily, attributes}}, terms:
 * {OnDemand: {sku: {offerTerm: {priceDimensions: {rate: {unit, pricePerUnit: {USD}}}}}}}}`. A region's
 * file is gigabytes, so it is never held whole: the response body is scanned as it arrives and only the
 * children of `products` and `terms.OnDemand` are parsed, one small object at a time, keeping the
 * on-demand hourly prices of shared-tenancy Linux and Windows instances without pre-installed software.
 */

export const DEFAULT_PRICE_LIST_URL = 'https://pricing.us-east-1.amazonaws.com';
const REGION_INDEX_PATH = '/offers/v1.0/aws/AmazonEC2/current/region_index.json';

export type PricedOs = 'linux' | 'windows';

export interface InstancePrice {
  instanceType: string;
  os: PricedOs;
  /** USD per hour, on demand. */
  hourly: number;
}

export class PriceListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceListError';
  }
}

interface Product {
  sku?: string;
  productFamily?: string;
  attributes?: Record<string, string>;
}

/** Which (instance type, OS) a product is, when it is one Nimbo prices; null otherwise. */
export function pricedProduct(p: Product): { instanceType: string; os: PricedOs } | null {
  const a = p.attributes;
  if (!a || p.productFamily !== 'Compute Instance' || !a.instanceType) return null;
  if (a.tenancy !== 'Shared' || a.preInstalledSw !== 'NA') return null;
  if (a.capacitystatus !== undefined && a.capacitystatus !== 'Used') return null;
  if (a.licenseModel === 'Bring your own license') return null;
  const os = a.operatingSystem === 'Linux' ? 'linux' : a.operatingSystem === 'Windows' ? 'windows' : null;
  if (!os) return null;
  // RunInstances is Linux/UNIX, RunInstances:0002 Windows; other operations are other licences.
  if (a.operation !== undefined && a.operation !== (os === 'linux' ? 'RunInstances' : 'RunInstances:0002'))
    return null;
  return { instanceType: a.instanceType, os };
}

/** The hourly USD price of one terms.OnDemand entry ({offerTerm: {priceDimensions}}), or null. */
export function onDemandHourly(entry: unknown): number | null {
  if (!entry || typeof entry !== 'object') return null;
  for (const term of Object.values(entry as Record<string, unknown>)) {
    const dims = (term as { priceDimensions?: Record<string, unknown> } | null)?.priceDimensions;
    if (!dims || typeof dims !== 'object') continue;
    for (const d of Object.values(dims)) {
      const dim = d as { unit?: string; pricePerUnit?: { USD?: string } };
      if (dim.unit !== 'Hrs' || dim.pricePerUnit?.USD === undefined) continue;
      const usd = Number(dim.pricePerUnit.USD);
      if (Number.isFinite(usd) && usd >= 0) return usd;
    }
  }
  return null;
}

interface Frame {
  key: string | null;
  isObject: boolean;
  expectKey: boolean;
}

/**
 * A streaming splitter of one JSON document: feed it text as it arrives; for every object or array
 * directly under one of `targets` (paths of object keys from the root), `onValue(path, value)` gets it
 * parsed. Only those children are ever materialised; the rest is scanned, never kept.
 */
export class JsonChildSplitter {
  private readonly stack: Frame[] = [];
  private inString = false;
  private escape = false;
  private collectingKey = false;
  private keyBuf = '';
  private lastKey: string | null = null;
  private captureDepth = -1;
  private pieces: string[] = [];
  private readonly targets: string[];

  constructor(
    targets: string[][],
    private readonly onValue: (path: string, value: unknown) => void,
  ) {
    this.targets = targets.map((t) => t.join('\u0000'));
  }

  private pathOfStack(): string {
    return this.stack
      .slice(1)
      .map((f) => f.key ?? '*')
      .join('\u0000');
  }

  write(chunk: string): void {
    let start = this.captureDepth >= 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          if (this.collectingKey) this.keyBuf += chunk[i];
        } else if (c === 92) {
          this.escape = true;
          if (this.collectingKey) this.keyBuf += '\\';
        } else if (c === 34) {
          this.inString = false;
          if (this.collectingKey) {
            this.collectingKey = false;
            this.lastKey = JSON.parse(`"${this.keyBuf}"`) as string;
          }
        } else if (this.collectingKey) this.keyBuf += chunk[i];
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      switch (c) {
        case 34: // "
          this.inString = true;
          if (this.captureDepth < 0 && top?.isObject && top.expectKey) {
            this.collectingKey = true;
            this.keyBuf = '';
          }
          break;
        case 58: // :
          if (top) top.expectKey = false;
          break;
        case 44: // ,
          if (top?.isObject) top.expectKey = true;
          break;
        case 123: // {
        case 91: {
          // [
          const key = top?.isObject ? this.lastKey : null;
          if (this.captureDepth < 0 && this.stack.length > 0) {
            const parent = this.pathOfStack();
            if (this.targets.includes(parent)) {
              this.captureDepth = this.stack.length;
              this.pieces = [];
              start = i;
            }
          }
          this.stack.push({ key, isObject: c === 123, expectKey: c === 123 });
          break;
        }
        case 125: // }
        case 93: {
          // ]
          this.stack.pop();
          if (this.captureDepth >= 0 && this.stack.length === this.captureDepth) {
            this.pieces.push(chunk.slice(start, i + 1));
            const path = this.pathOfStack();
            const text = this.pieces.join('');
            this.pieces = [];
            this.captureDepth = -1;
            start = -1;
            this.onValue(path, JSON.parse(text));
          }
          break;
        }
        default:
          break;
      }
    }
    if (this.captureDepth >= 0 && start >= 0) this.pieces.push(chunk.slice(start));
  }

  /** Throws unless the document ended cleanly. */
  end(): void {
    if (this.stack.length !== 0 || this.inString) throw new PriceListError('the offer file ended early');
  }
}

/**
 * Reads one offer file's text stream into the prices Nimbo keeps. Products come before terms in AWS's
 * files, so normally only the kept SKUs' prices are held; if terms came first, every on-demand price is
 * held until the products are known.
 */
export async function parseOfferStream(chunks: AsyncIterable<string>): Promise<InstancePrice[]> {
  const kept = new Map<string, { instanceType: string; os: PricedOs }>();
  const hourly = new Map<string, number>();
  let productsSeen = false;
  let termsSeen = false;
  const splitter = new JsonChildSplitter([['products'], ['terms', 'OnDemand']], (path, value) => {
    if (path === 'products') {
      productsSeen = true;
      const p = value as Product;
      const priced = pricedProduct(p);
      if (priced && p.sku) kept.set(p.sku, priced);
      return;
    }
    termsSeen = true;
    const price = onDemandHourly(value);
    if (price === null) return;
    const first = Object.values(value as Record<string, { sku?: string }>)[0];
    const sku = first?.sku;
    if (!sku) return;
    if (productsSeen && !kept.has(sku)) return;
    if (!hourly.has(sku)) hourly.set(sku, price);
  });
  for await (const chunk of chunks) splitter.write(chunk);
  splitter.end();
  if (!productsSeen && !termsSeen) throw new PriceListError('the offer file has no products or terms');
  const out = new Map<string, InstancePrice>();
  for (const [sku, p] of kept) {
    const price = hourly.get(sku);
    if (price === undefined) continue;
    const key = `${p.instanceType}/${p.os}`;
    // Several SKUs can match one type and OS (e.g. per operation variants): the lowest is the plain one.
    const prior = out.get(key);
    if (!prior || price < prior.hourly) out.set(key, { ...p, hourly: price });
  }
  return [...out.values()];
}

export interface PriceListOptions {
  /** Base URL of the Bulk API; tests point it at a fake on 127.0.0.1. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Abort a region's download after this long. */
  timeoutMs?: number;
}

async function* textChunks(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    yield decoder.decode(bytes, { stream: true });
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

async function get(url: string, options: PriceListOptions): Promise<Response> {
  const f = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 600_000) });
  } catch (err) {
    throw new PriceListError(`the AWS price list could not be reached: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new PriceListError(`the AWS price list answered ${res.status} for ${url}`);
  return res;
}

/** One region's on-demand prices, from the current offer file that region_index.json names. */
export async function fetchRegionPrices(
  region: string,
  options: PriceListOptions = {},
): Promise<InstancePrice[]> {
  const base = (options.baseUrl ?? DEFAULT_PRICE_LIST_URL).replace(/\/+$/, '');
  const index = (await (await get(`${base}${REGION_INDEX_PATH}`, options)).json()) as {
    regions?: Record<string, { currentVersionUrl?: string }>;
  };
  const path = index.regions?.[region]?.currentVersionUrl;
  if (!path?.startsWith('/')) throw new PriceListError(`the AWS price list has no offer file for ${region}`);
  const res = await get(`${base}${path}`, options);
  try {
    return await parseOfferStream(textChunks(res.body!));
  } catch (err) {
    if (err instanceof PriceListError) throw err;
    throw new PriceListError(`the offer file of ${region} could not be read: ${(err as Error).message}`);
  }
}
