/**
 * Fetching an iCalendar feed, guarded as webhook receivers and cloud endpoints are: the URL is checked by
 * lib/clouds/endpoint.ts (in a deployed stack https only, no address inside a network; locally loopback
 * http too), and in a deployed stack the socket's lookup refuses any address inside a network, on the
 * addresses the connection uses (DNS rebinding is checked again). No redirect is followed (a feed that
 * moved answers 3xx: give its new URL). A time limit, and a size limit enforced while reading.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isDeployed, resolvedEndpointProblem } from '../clouds/endpoint.js';
import { UnprocessableError } from '../core/errors.js';
import { MAX_ICS_BYTES } from '../model/calendars/calendar.js';
import { isPublicAddress } from '../net/address-guard.js';
import { guardedLookup, type Resolve } from '../net/guarded-lookup.js';

export const FEED_TIMEOUT_MS = 10_000;

export interface FeedOptions {
  deployed?: boolean;
  resolve?: Resolve;
  timeoutMs?: number;
}

/** Why the URL may not be used as a feed here, or undefined. */
export function feedUrlProblem(url: string, options: FeedOptions = {}): Promise<string | undefined> {
  return resolvedEndpointProblem(url, {
    deployed: options.deployed ?? isDeployed(),
    allowQuery: true,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
}

/** The feed's text; an UnprocessableError saying why not. */
export async function fetchFeed(url: string, options: FeedOptions = {}): Promise<string> {
  const deployed = options.deployed ?? isDeployed();
  const problem = await feedUrlProblem(url, { ...options, deployed });
  if (problem) throw new UnprocessableError(`The feed URL ${problem}`);
  const allow = deployed ? isPublicAddress : () => true;
  const refuse = (ip: string, host: string) =>
    new UnprocessableError(
      `Nimbo refuses to fetch from ${ip}${host === ip ? '' : ` (${host})`}: an address inside a network`,
    );
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allow(host)) throw refuse(host, host);
  const timeoutMs = options.timeoutMs ?? FEED_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  const lookup = guardedLookup(options.resolve ?? ((h) => dnsLookup(h, { all: true })), allow, refuse);
  let res: IncomingMessage;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        target,
        {
          agent: false,
          lookup,
          signal,
          headers: { 'user-agent': 'nimbo-calendars', accept: 'text/calendar' },
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
  } catch (err) {
    throw failure(url, err, signal, timeoutMs);
  }
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    res.destroy();
    throw new UnprocessableError(`The feed ${url} answered HTTP ${status}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ICS_BYTES) {
        res.destroy();
        throw new UnprocessableError(`The feed ${url} is over the ${MAX_ICS_BYTES}-byte limit`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw failure(url, err, signal, timeoutMs);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function failure(url: string, err: unknown, signal: AbortSignal, timeoutMs: number): UnprocessableError {
  if (err instanceof UnprocessableError) return err;
  if (signal.aborted) {
    return new UnprocessableError(`The feed ${url} gave no complete answer within ${timeoutMs / 1000} s`, {
      cause: err,
    });
  }
  const e = err as NodeJS.ErrnoException;
  return new UnprocessableError(`Could not fetch the feed ${url}: ${e.code ?? e.message}`, { cause: err });
}
