/**
 * A cloud's API base URL override (`settings.endpoint`): how Nimbo is pointed at a local fake of a
 * provider, or at a sovereign/private endpoint. A deployed stack holds real credentials and runs inside
 * a VPC, so there it must be https and may not name an address inside a network (the SSRF guard's rule);
 * the local runtime and the tests take any http(s) URL, loopback included.
 */

import { type FieldProblem, unprocessable } from '../core/field-errors.js';
import { isPublicAddress } from '../net/address-guard.js';

/** Lambda sets this in every function; the local runtime and the tests never do. */
export function isDeployed(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** Why the endpoint is refused where Nimbo runs, or undefined when it may be used. */
export function endpointProblem(endpoint: string, deployed: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.search || url.hash) return 'must not have a query or fragment';
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

/** 422 naming `settings.endpoint` when the override may not be used here. */
export function checkEndpoint(endpoint: string | undefined, deployed = isDeployed()): void {
  if (endpoint === undefined) return;
  const problem = endpointProblem(endpoint, deployed);
  if (!problem) return;
  const p: FieldProblem = { path: 'settings.endpoint', message: problem };
  throw unprocessable([p]);
}
