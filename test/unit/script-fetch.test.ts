/**
 * Fetching scripts by https URL, against a local https server on 127.0.0.1 with a throwaway self-signed
 * certificate (this file's process trusts any certificate; nothing else runs in it). The default guard
 * refuses loopback, so most tests allow exactly 127.0.0.1 and nothing else: no test can connect out. Other
 * addresses appear only as stubbed resolver answers or redirect targets that the guard must refuse.
 */
import { execFileSync } from 'node:child_process';
import type { LookupAddress } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchScriptSource } from '../../lib/scripts/fetch.js';

const onlyLoopback = (ip: string) => ip === '127.0.0.1';
const resolvingTo =
  (...answers: string[][]) =>
  async (_hostname: string): Promise<LookupAddress[]> => {
    const next = answers.length > 1 ? answers.shift()! : answers[0]!;
    return next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('fetchScriptSource', () => {
  let server: Server;
  let base: string;
  let port: number;
  let plain: ReturnType<typeof createHttpServer>;
  /** TCP connections the https server accepted, and the Host header of each request it answered. */
  let connections = 0;
  const hosts: string[] = [];
  const local = (url: string) => fetchScriptSource(url, undefined, { allowAddress: onlyLoopback });
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
        hosts.push(req.headers.host ?? '');
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
        const redirects: Record<string, string> = {
          '/moved': '/ok.sh',
          '/loop': '/loop',
          '/to-invalid': 'https://[zz/x.sh',
          '/to-internal': 'https://10.0.0.1/x.sh',
          '/to-mapped': 'https://[::ffff:a9fe:a9fe]/x.sh',
          '/to-name': `https://internal.example.test:${port}/ok.sh`,
        };
        if (req.url && redirects[req.url]) {
          res.writeHead(302, { location: redirects[req.url] });
          return res.end();
        }
        res.writeHead(404);
        res.end();
      },
    );
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    base = `https://127.0.0.1:${port}`;
  });

  afterAll(() => {
    server?.close();
    plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a script over https', async () => {
    expect(await local(`${base}/ok.sh`)).toBe('#!/bin/sh\necho fetched\n');
  });

  it('refuses plain http, also after a redirect', async () => {
    await expect(fetchScriptSource('http://127.0.0.1:1/x')).rejects.toThrow(/must use https/);
    await expect(local(`${base}/to-http`)).rejects.toThrow(/redirected to a non-https address/);
  });

  it('refuses scripts over the size limit, declared or streamed', async () => {
    await expect(local(`${base}/big-declared`)).rejects.toThrow(/the limit is 262144/);
    await expect(local(`${base}/big-streamed`)).rejects.toThrow(/over the 262144-byte limit/);
  });

  it('says why a fetch failed: HTTP status, connection refused', async () => {
    await expect(local(`${base}/missing`)).rejects.toThrow(/HTTP 404/);
    const closed = createHttpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    await expect(local(`https://127.0.0.1:${closedPort}/x`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('follows redirects on https, at most 5', async () => {
    expect(await local(`${base}/moved`)).toBe('#!/bin/sh\necho fetched\n');
    await expect(local(`${base}/loop`)).rejects.toThrow(/more than 5 redirects/);
    await expect(local(`${base}/to-invalid`)).rejects.toThrow(/redirected to an invalid address/);
  });

  describe('refuses internal addresses', () => {
    it.each([
      ['127.0.0.1', () => `https://127.0.0.1:${port}/ok.sh`, /internal address 127\.0\.0\.1$/],
      [
        'localhost',
        () => `https://localhost:${port}/ok.sh`,
        /internal address (127\.0\.0\.1|::1) \(localhost\)$/,
      ],
      ['127.0.0.1 as one number', () => `https://2130706433:${port}/ok.sh`, /internal address 127\.0\.0\.1$/],
      ['::1', () => `https://[::1]:${port}/ok.sh`, /internal address ::1$/],
      [
        'IPv4-mapped loopback',
        () => `https://[::ffff:127.0.0.1]:${port}/ok.sh`,
        /internal address ::ffff:7f00:1$/,
      ],
    ])('by default, %s, without connecting', async (_, url, message) => {
      const before = connections;
      const err = await fetchScriptSource(url()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unprocessable', message: expect.stringMatching(message) });
      expect((err as Error).message).toMatch(
        /^Could not fetch the script from https:.*: Nimbo refuses to fetch/,
      );
      expect(connections).toBe(before);
    });

    it('connects to the address it checked, not to a second resolution of the name', async () => {
      const url = `https://scripts.example.test:${port}/ok.sh`;
      const resolve = resolvingTo(['127.0.0.1']);
      expect(await fetchScriptSource(url, undefined, { allowAddress: onlyLoopback, resolve })).toBe(
        '#!/bin/sh\necho fetched\n',
      );
      expect(hosts.at(-1)).toBe(`scripts.example.test:${port}`);
    });

    it('when a name resolves to an internal address, or to any among several', async () => {
      const url = 'https://scripts.example.test/x.sh';
      await expect(fetchScriptSource(url, undefined, { resolve: resolvingTo(['10.0.0.1']) })).rejects.toThrow(
        'Could not fetch the script from https://scripts.example.test/x.sh: Nimbo refuses to fetch from internal address 10.0.0.1 (scripts.example.test)',
      );
      const mixed = { allowAddress: onlyLoopback, resolve: resolvingTo(['127.0.0.1', '192.0.2.1']) };
      await expect(fetchScriptSource(url, undefined, mixed)).rejects.toThrow(/internal address 192\.0\.2\.1/);
      const v6 = { resolve: resolvingTo(['fd00:ec2::254']) };
      await expect(fetchScriptSource(url, undefined, v6)).rejects.toThrow(/internal address fd00:ec2::254/);
    });

    it('after a redirect from an allowed server', async () => {
      await expect(local(`${base}/to-internal`)).rejects.toThrow(
        `Could not fetch the script from ${base}/to-internal: Nimbo refuses to fetch from internal address 10.0.0.1 after a redirect to https://10.0.0.1/x.sh`,
      );
      await expect(local(`${base}/to-mapped`)).rejects.toThrow(
        /internal address ::ffff:a9fe:a9fe after a redirect/,
      );
      const resolve = resolvingTo(['192.0.2.1']);
      await expect(
        fetchScriptSource(`${base}/to-name`, undefined, { allowAddress: onlyLoopback, resolve }),
      ).rejects.toThrow(/internal address 192\.0\.2\.1 \(internal\.example\.test\) after a redirect/);
    });

    it('when the name resolves to an internal address on a later connection (DNS rebinding)', async () => {
      const before = connections;
      const resolve = resolvingTo(['127.0.0.1'], ['10.0.0.1']);
      const url = `https://rebind.example.test:${port}/moved`;
      await expect(
        fetchScriptSource(url, undefined, { allowAddress: onlyLoopback, resolve }),
      ).rejects.toThrow(/internal address 10\.0\.0\.1 \(rebind\.example\.test\) after a redirect/);
      expect(connections).toBe(before + 1);
    });
  });
});
