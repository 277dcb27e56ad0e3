/**
 * IPv4 addresses and CIDR blocks as 32-bit unsigned integers: parsing (strict dotted quads, no leading
 * zeros, which some parsers read as octal), ranges, containment and overlap. Pure functions; nothing here
 * ever opens a socket.
 */
import { isIPv4 } from 'node:net';

export interface Cidr4 {
  /** The network address (host bits zero), as an unsigned 32-bit integer. */
  network: number;
  prefix: number;
}

export function parseIPv4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.');
  // node's isIPv4 accepts "010.0.0.1"; a DNS or EC2 value with a leading zero is ambiguous, so refuse it.
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export type CidrParse = { ok: true; cidr: Cidr4 } | { ok: false; reason: string };

/** `a.b.c.d/n` with the host bits zero; the reason says what is wrong (and the block meant, if any). */
export function parseCidr4(text: string): CidrParse {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return { ok: false, reason: 'must be an IPv4 CIDR block such as 10.0.0.0/16' };
  const address = parseIPv4(m[1]!);
  if (address === undefined) return { ok: false, reason: `${m[1]} is not an IPv4 address` };
  const prefix = Number(m[2]);
  if (prefix > 32 || (m[2]!.length > 1 && m[2]!.startsWith('0'))) {
    return { ok: false, reason: `/${m[2]} is not a prefix length (0 to 32)` };
  }
  const network = (address & prefixMask(prefix)) >>> 0;
  if (network !== address) {
    return {
      ok: false,
      reason: `host bits are set: the block is ${formatIPv4(network)}/${prefix}`,
    };
  }
  return { ok: true, cidr: { network, prefix } };
}

export function formatCidr4(c: Cidr4): string {
  return `${formatIPv4(c.network)}/${c.prefix}`;
}

export function cidrSize(c: Cidr4): number {
  return 2 ** (32 - c.prefix);
}

export function cidrLast(c: Cidr4): number {
  return c.network + cidrSize(c) - 1;
}

/** What the API shows of a block: its first and last addresses and how many it holds. */
export function cidrRange(c: Cidr4): { first: string; last: string; size: number } {
  return { first: formatIPv4(c.network), last: formatIPv4(cidrLast(c)), size: cidrSize(c) };
}

export function cidrContains(outer: Cidr4, inner: Cidr4): boolean {
  return inner.prefix >= outer.prefix && inner.network >= outer.network && cidrLast(inner) <= cidrLast(outer);
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.network <= cidrLast(b) && b.network <= cidrLast(a);
}

export function addressInCidr(address: number, c: Cidr4): boolean {
  return address >= c.network && address <= cidrLast(c);
}
