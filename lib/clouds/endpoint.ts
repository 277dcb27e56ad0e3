/**
 * A cloud's API base URL override (`settings.endpoint`): how Nimbo is pointed at a local fake of a
 * provider, or at a sovereign/private endpoint. A deployed stack holds real credentials and runs inside
 * a VPC, so there it must be https and may not name an address inside a network (the SSRF guard's rule);
 * the local runtime and the tests take any http(s) URL, loopback included. A host name is resolved when
 * the cloud is saved and refused if any address it answers is inside a network; the SDKs connect later on
 * their own sockets, so a name that is re-pointed afterwards (DNS rebinding) is not caught here.
 */

import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { type FieldProblem, unprocessable } from '../core/field-errors.js';
import { isPublicAddress } from '../net/address-guard.js';

/** Lambda sets this in every function; the local runtime and the tests never do. */
export function isDeployed(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** Why the endpoint is refused where Nimbo runs, or undefined when it may be used. */
export function endpointProblem(
  endpoint: string,
  deployed: boolean,
  options: { allowQuery?: boolean } = {},
): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash || (url.search && !options.allowQuery)) {
    return options.allowQuery ? 'must not have a fragment' : 'must not have a query or fragment';
  }
  if (!deployed) return undefined;
  if (url.protocol !== 'https:') return 'must be https in a deployed stack';
  const host = url.hostname;
  if (host === 'localhost' || host.endsWith('.localhost'))
    return 'must not name this host in a deployed stack';
  if (IP_LITERAL.test(host) && !isPublicAddress(host.replace(/^\[|\]$/g, ''))) {
    return 'must not name an address inside a network in a deployed stack';
  }
  return undefined;
}

export interface EndpointCheckOptions {
  deployed?: boolean;
  /** Resolves a host name to its addresses. Defaults to the system resolver; tests stub it. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  /** Which addresses an endpoint may resolve to. Defaults to public ones (lib/net/address-guard.ts). */
  allowAddress?: (ip: string) => boolean;
  /** A webhook URL may carry a query (a receiver's own token); a provider endpoint may not. */
  allowQuery?: boolean;
}

const systemResolve = (hostname: string) => lookup(hostname, { all: true });

/** endpointProblem, and in a deployed stack: a host name must resolve, to allowed addresses only. */
export async function resolvedEndpointProblem(
  endpoint: string,
  options: EndpointCheckOptions = {},
): Promise<string | undefined> {
  const deployed = options.deployed ?? isDeployed();
  const problem = endpointProblem(endpoint, deployed, { allowQuery: options.allowQuery ?? false });
  if (problem || !deployed) return problem;
  const host = new URL(endpoint).hostname;
  if (IP_LITERAL.test(host)) return undefined;
  const allow = options.allowAddress ?? isPublicAddress;
  let addresses: LookupAddress[];
  try {
    addresses = await (options.resolve ?? systemResolve)(host);
  } catch {
    return `must name a host that resolves (${host} does not)`;
  }
  if (!addresses.length) return `must name a host that resolves (${host} does not)`;
  const inside = addresses.find((a) => !allow(a.address));
  return inside
    ? `must not resolve to an address inside a network in a deployed stack (${host} is ${inside.address})`
    : undefined;
}

/** The URL when Nimbo may call it from here; else a 422 naming the field `path`. */
export async function checkedUrl(
  url: string,
  path: string,
  options: EndpointCheckOptions = {},
): Promise<string> {
  const problem = await resolvedEndpointProblem(url, options);
  if (!problem) return url;
  const p: FieldProblem = { path, message: problem };
  throw unprocessable([p]);
}

/** 422 naming `settings.endpoint` when the override may not be used here. */
export async function checkEndpoint(
  endpoint: string | undefined,
  options: EndpointCheckOptions = {},
): Promise<void> {
  if (endpoint !== undefined) await checkedUrl(endpoint, 'settings.endpoint', options);
}
