/**
 * The dashboard in local mode: built from web/ by esbuild when the runtime starts (a few hundred ms),
 * served from memory at / with the same security headers as the stack's CloudFront policy, gzip-encoded
 * when the browser accepts it. Only GET and HEAD of /, /index.html and /assets/* are served here; every
 * other path goes on to the API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildDashboard, type DashboardFile } from '../../web/build.js';
import { SECURITY_HEADERS } from '../../web/headers.js';

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export async function dashboardHandler(): Promise<StaticHandler> {
  const files = new Map<string, DashboardFile>();
  for (const f of await buildDashboard()) files.set(f.path, f);
  return (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files.get(path === '/' ? '/index.html' : path);
    if (!file) return false;
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip : file.body;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': file.contentType,
      'content-length': String(body.length),
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  };
}
