/**
 * A `lookup` for node:http(s) requests that checks every address a name resolves to before the socket
 * connects to it: the guard runs on the addresses the connection then uses, so a name that resolves
 * differently the second time (DNS rebinding) is checked again. Used wherever Nimbo connects to a URL an
 * operator gave (script sources, webhook receivers).
 */
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

/** A `lookup` for net.connect that resolves the name and refuses it when any of its addresses is not allowed. */
export function guardedLookup(
  resolve: Resolve,
  allow: (ip: string) => boolean,
  refuse: (ip: string, host: string) => Error,
): LookupFunction {
  return (hostname, opts, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = found.filter((a) => !opts.family || a.family === opts.family);
        const denied = addresses.find((a) => !allow(a.address));
        if (denied) return callback(refuse(denied.address, hostname), '', 0);
        if (addresses.length === 0) {
          return callback(
            Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        }
        // Node 20 asks for all addresses when it may try several (autoSelectFamily); each was checked above.
        if (opts.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
