/**
 * One delivery attempt: a POST of the signed event, no redirects followed (a receiver that moved answers
 * 3xx, which counts as a failure, as Standard Webhooks say), a time limit, and the SSRF guard in the
 * socket's lookup: in a deployed stack only public addresses, checked on the addresses the connection
 * uses. Locally any address, so a receiver on 127.0.0.1 can be tried. The answer's body is not kept.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPublicAddress } from '../net/address-guard.js';
import { guardedLookup, type Resolve } from '../net/guarded-lookup.js';

export const DELIVERY_TIMEOUT_MS = 15_000;

export interface PostOptions {
  /** Which addresses may be connected to; undefined allows any (the local runtime). */
  allowAddress?: (ip: string) => boolean;
  resolve?: Resolve;
  timeoutMs?: number;
  now?: () => number;
}

export interface AttemptOutcome {
  ok: boolean;
  responseCode: number | null;
  latencyMs: number;
  error: string | null;
}

class RefusedAddress extends Error {}

export async function postSigned(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: PostOptions = {},
): Promise<AttemptOutcome> {
  const clock = options.now ?? Date.now;
  const started = clock();
  const allow = options.allowAddress ?? (() => true);
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const refuse = (ip: string, host: string) =>
    new RefusedAddress(
      `refused to connect to ${ip}${host === ip ? '' : ` (${host})`}: an address inside a network`,
    );
  try {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allow(host)) throw refuse(host, host);
    const res = await send(target, headers, body, {
      lookup: guardedLookup(options.resolve ?? ((h) => dnsLookup(h, { all: true })), allow, refuse),
      signal: AbortSignal.timeout(timeoutMs),
    });
    res.resume();
    const code = res.statusCode ?? 0;
    const ok = code >= 200 && code < 300;
    return {
      ok,
      responseCode: code,
      latencyMs: clock() - started,
      error: ok ? null : `the receiver answered HTTP ${code}`,
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const error =
      err instanceof RefusedAddress
        ? err.message
        : e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${timeoutMs / 1000} s`
          : `could not connect: ${e.code ?? e.message}`;
    return { ok: false, responseCode: null, latencyMs: clock() - started, error };
  }
}

function send(
  url: URL,
  headers: Record<string, string>,
  body: string,
  o: { lookup: ReturnType<typeof guardedLookup>; signal: AbortSignal },
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        // A fresh socket per attempt, so every connection goes through the guarded lookup.
        agent: false,
        lookup: o.lookup,
        signal: o.signal,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'nimbo-webhooks',
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The guard of a deployed stack; the local runtime and tests connect anywhere. */
export function deliveryAddressGuard(deployed: boolean): ((ip: string) => boolean) | undefined {
  return deployed ? isPublicAddress : undefined;
}
