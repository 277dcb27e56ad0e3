/**
 * Which addresses Nimbo may open a connection to on an operator's behalf (a script's https URL): only
 * globally reachable unicast. Everything inside a network — private ranges, loopback, link-local with the
 * instance metadata address, CGNAT, multicast, reserved and documentation blocks, and IPv6 forms that embed
 * such an IPv4 address — is refused, so a URL cannot reach hosts behind Nimbo (SSRF). Pure functions: the
 * caller checks the address it actually connects to.
 */
import { addressInCidr, type Cidr4, parseCidr4, parseIPv4 } from './ipv4.js';
import { normalizeIPv6 } from './ipv6.js';

const cidr4 = (text: string): Cidr4 => {
  const r = parseCidr4(text);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return r.cidr;
};

/** IANA special-purpose IPv4 blocks that are not the public internet (RFC 6890 and successors). */
const NON_PUBLIC_V4: readonly Cidr4[] = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches the local host on Linux
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, including the instance metadata service 169.254.169.254
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation (TEST-NET-1)
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation (TEST-NET-2)
  '203.0.113.0/24', // documentation (TEST-NET-3)
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the broadcast address 255.255.255.255
].map(cidr4);

interface Cidr6 {
  network: bigint;
  prefix: number;
}

/** The address as a 128-bit integer; a trailing dotted quad (`::ffff:10.0.0.1`) counts as the low 32 bits. */
function parseIPv6(text: string): bigint | undefined {
  const normalized = normalizeIPv6(text);
  if (normalized === undefined) return undefined;
  let groups = normalized;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (quad) {
    const v4 = parseIPv4(quad[1]!);
    if (v4 === undefined) return undefined;
    groups = `${groups.slice(0, quad.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = groups.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

function cidr6(text: string): Cidr6 {
  const [address, prefix] = text.split('/') as [string, string];
  const network = parseIPv6(address);
  if (network === undefined) throw new Error(`${text} is not an IPv6 block`);
  return { network, prefix: Number(prefix) };
}

function inCidr6(address: bigint, c: Cidr6): boolean {
  const shift = BigInt(128 - c.prefix);
  return address >> shift === c.network >> shift;
}

/** The IPv6 public internet: global unicast (2000::/3) ... */
const GLOBAL_UNICAST_V6 = cidr6('2000::/3');
/** ... except the special-purpose blocks inside it. */
const NON_PUBLIC_V6: readonly Cidr6[] = [
  '2001::/23', // IETF protocol assignments, including Teredo 2001::/32 (tunnels to an embedded IPv4 address)
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4: tunnels to the embedded IPv4 address, which may be internal
  '3fff::/20', // documentation
].map(cidr6);
/** Outside 2000::/3, forms whose destination is the embedded IPv4 address (the low 32 bits). */
const EMBEDDING_V4: readonly Cidr6[] = [
  '::ffff:0:0/96', // IPv4-mapped: the socket talks IPv4 to the embedded address
  '64:ff9b::/96', // well-known NAT64 prefix: the translator forwards to the embedded address
].map(cidr6);

function isPublicV4(address: number): boolean {
  return !NON_PUBLIC_V4.some((c) => addressInCidr(address, c));
}

/**
 * Whether Nimbo may connect to `ip` (an IPv4 or IPv6 address literal, as a resolver answers it). Anything
 * that does not parse — a zone id, a host name, an IPv4 address with leading zeros — is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4 !== undefined) return isPublicV4(v4);
  const v6 = parseIPv6(ip);
  if (v6 === undefined) return false;
  if (EMBEDDING_V4.some((c) => inCidr6(v6, c))) return isPublicV4(Number(v6 & 0xffffffffn));
  // Everything else outside 2000::/3 is loopback, unspecified, IPv4-compatible, local-use NAT64
  // (64:ff9b:1::/48), discard, unique local (fc00::/7), link-local (fe80::/10), site-local or multicast.
  return inCidr6(v6, GLOBAL_UNICAST_V6) && !NON_PUBLIC_V6.some((c) => inCidr6(v6, c));
}
