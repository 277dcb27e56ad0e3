/** IPv6 addresses for AAAA values: syntax only (node's parser), without zone ids, in lowercase. */
import { isIPv6 } from 'node:net';

/** The address in lowercase, or undefined when it is not a plain IPv6 address (a `%zone` is not DNS data). */
export function normalizeIPv6(text: string): string | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  return text.toLowerCase();
}
