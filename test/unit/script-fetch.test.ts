/**
 * Fetching scripts by https URL, against a local https server on 127.0.0.1 with a throwaway self-signed
 * certificate (this file's process trusts any certificate; nothing else runs in it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchScriptSource } from '../../lib/services/script-fetch.js';

describe('fetchScriptSource', () => {
  let server: Server;
  let base: string;
  let plain: ReturnType<typeof createHttpServer>;
  const dir = mkdtempSync(join(tmpdir(), 'nimbo-https-'));

  beforeAll(async () => {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    plain = createHttpServer((_, res) => res.end('#!/bin/sh\necho plain\n'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const plainPort = (plain.address() as { port: number }).port;
    server = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => {
        if (req.url === '/ok.sh') return res.end('#!/bin/sh\necho fetched\n');
        if (req.url === '/big-declared') {
          res.setHeader('content-length', String(300 * 1024));
          return res.end('x'.repeat(300 * 1024));
        }
        if (req.url === '/big-streamed') {
          // Chunked, no content-length: the limit must hold while reading.
          for (let i = 0; i < 40; i++) res.write('y'.repeat(10 * 1024));
          return res.end();
        }
        if (req.url === '/to-http') {
          res.writeHead(302, { location: `http://127.0.0.1:${plainPort}/x` });
          return res.end();
        }
        res.writeHead(404);
        res.end();
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(() => {
    server?.close();
    plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a script over https', async () => {
    expect(await fetchScriptSource(`${base}/ok.sh`)).toBe('#!/bin/sh\necho fetched\n');
  });

  it('refuses plain http, also after a redirect', async () => {
    await expect(fetchScriptSource('http://127.0.0.1:1/x')).rejects.toThrow(/must use https/);
    await expect(fetchScriptSource(`${base}/to-http`)).rejects.toThrow(/redirected to a non-https address/);
  });

  it('refuses scripts over the size limit, declared or streamed', async () => {
    await expect(fetchScriptSource(`${base}/big-declared`)).rejects.toThrow(/the limit is 262144/);
    await expect(fetchScriptSource(`${base}/big-streamed`)).rejects.toThrow(/over the 262144-byte limit/);
  });

  it('says why a fetch failed: HTTP status, connection refused', async () => {
    await expect(fetchScriptSource(`${base}/missing`)).rejects.toThrow(/HTTP 404/);
    const closed = createHttpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    await expect(fetchScriptSource(`https://127.0.0.1:${port}/x`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
