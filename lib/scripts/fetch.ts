/**
 * Fetching a script's source from its https URL at run time: https only (also after redirects), a time
 * limit, a size limit enforced while reading, so a huge or endless answer costs at most the limit, and only
 * from public addresses (lib/net/address-guard.ts), so an operator's URL cannot reach hosts inside Nimbo's
 * network. The guard runs in the socket's own `lookup`, on the addresses the connection then uses: a name
 * that resolves differently the second time (DNS rebinding) is checked again. Node's global fetch cannot take
 * a lookup without the undici package, hence node:https, with redirects followed by hand.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { UnprocessableError } from '../core/errors.js';
import { MAX_SCRIPT_BYTES } from '../model/script.js';
import { isPublicAddress } from '../net/address-guard.js';
import { guardedLookup } from '../net/guarded-lookup.js';

const FETCH_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface ScriptFetchOptions {
  /** Which addresses may be connected to. Defaults to the strict guard; tests pass one that allows loopback. */
  allowAddress?: (ip: string) => boolean;
  /** Resolves a host name to its addresses. Defaults to the system resolver; tests stub it. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const systemResolve = (hostname: string) => dnsLookup(hostname, { all: true });

export async function fetchScriptSource(
  url: string,
  maxBytes = MAX_SCRIPT_BYTES,
  options: ScriptFetchOptions = {},
): Promise<string> {
  if (!url.startsWith('https://')) throw new UnprocessableError('Script URLs must use https');
  const allow = options.allowAddress ?? isPublicAddress;
  const resolve = options.resolve ?? systemResolve;
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  let target = url;
  let res: IncomingMessage;
  for (let redirects = 0; ; redirects++) {
    const refuse = (ip: string, host: string) =>
      new UnprocessableError(
        `Could not fetch the script from ${url}: Nimbo refuses to fetch from internal address ${ip}` +
          (host === ip ? '' : ` (${host})`) +
          (target === url ? '' : ` after a redirect to ${target}`),
      );
    res = await get(target, signal, guardedLookup(resolve, allow, refuse), (ip) => {
      if (!allow(ip)) throw refuse(ip, ip);
    }).catch((err: unknown) => {
      throw fetchFailure(url, err, signal);
    });
    const location = res.headers.location;
    if (!REDIRECT_STATUSES.has(res.statusCode ?? 0) || location === undefined) break;
    res.destroy();
    const next = URL.canParse(location, target) ? new URL(location, target).href : undefined;
    if (next === undefined) {
      throw new UnprocessableError(`The script URL redirected to an invalid address (${location})`);
    }
    if (!next.startsWith('https://')) {
      throw new UnprocessableError(`The script URL redirected to a non-https address (${next})`);
    }
    if (redirects === MAX_REDIRECTS) {
      throw new UnprocessableError(
        `Could not fetch the script from ${url}: more than ${MAX_REDIRECTS} redirects`,
      );
    }
    target = next;
  }
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    res.destroy();
    throw new UnprocessableError(`Could not fetch the script from ${url}: HTTP ${res.statusCode}`);
  }
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    res.destroy();
    throw new UnprocessableError(`The script at ${url} is ${declared} bytes: the limit is ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        throw new UnprocessableError(`The script at ${url} is over the ${maxBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw err instanceof UnprocessableError ? err : fetchFailure(url, err, signal);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One GET without following redirects. A host that is an address literal never reaches `lookup` (net
 * connects to it directly), so `checkLiteral` guards it here.
 */
async function get(
  url: string,
  signal: AbortSignal,
  lookup: LookupFunction,
  checkLiteral: (ip: string) => void,
): Promise<IncomingMessage> {
  const { hostname } = new URL(url);
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(host)) checkLiteral(host);
  return new Promise((resolve, reject) => {
    // agent: false gives a fresh socket per request, so every connection goes through the guarded lookup.
    const req = request(url, { agent: false, lookup, signal, headers: { 'user-agent': 'nimbo' } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

function fetchFailure(url: string, err: unknown, signal: AbortSignal): UnprocessableError {
  if (err instanceof UnprocessableError) return err;
  if (signal.aborted) {
    return new UnprocessableError(
      `Could not fetch the script from ${url}: no complete answer within ${FETCH_TIMEOUT_MS / 1000} s`,
      { cause: err },
    );
  }
  const e = err as NodeJS.ErrnoException;
  return new UnprocessableError(`Could not fetch the script from ${url}: ${e.code ?? e.message}`, {
    cause: err,
  });
}
