/**
 * Builds the dashboard with esbuild: one minified ES module and one stylesheet, named by their content
 * hash, and an index.html that loads them (no inline script or style, so the CSP needs no 'unsafe-inline').
 * `buildDashboard()` returns the files in memory (the local runtime serves them); `writeDashboard(dir)`
 * writes them for the stack's bucket.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DASHBOARD_OUT_DIR = resolve(HERE, '..', 'dist', 'web');

export interface DashboardFile {
  /** The URL path: /index.html, /assets/main-HASH.js, ... */
  path: string;
  contentType: string;
  body: Buffer;
  gzip: Buffer;
  /** Hashed names never change: cache them for a year. index.html is revalidated every time. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

function file(path: string, body: Buffer, immutable: boolean): DashboardFile {
  const ext = path.slice(path.lastIndexOf('.'));
  return {
    path,
    body,
    gzip: gzipSync(body, { level: 9 }),
    contentType: TYPES[ext] ?? 'application/octet-stream',
    immutable,
  };
}

export async function buildDashboard(): Promise<DashboardFile[]> {
  const result = await build({
    entryPoints: [join(HERE, 'src', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: '/assets',
    entryNames: '[name]-[hash]',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = result.outputFiles.map((f) => file(f.path, Buffer.from(f.contents), true));
  const js = assets.find((f) => f.path.endsWith('.js'))!;
  const css = assets.find((f) => f.path.endsWith('.css'));
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<title>Nimbo</title>',
    ...(css ? [`<link rel="stylesheet" href="${css.path}">`] : []),
    '<link rel="icon" href="data:,">',
    `<script type="module" src="${js.path}"></script>`,
    '</head>',
    '<body>',
    '<noscript>The Nimbo dashboard needs JavaScript.</noscript>',
    '<div id="app"></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return [file('/index.html', Buffer.from(html), false), ...assets];
}

/** Writes the built files under `dir` (dist/web by default), for the stack's bucket deployment. */
export async function writeDashboard(dir = DASHBOARD_OUT_DIR): Promise<DashboardFile[]> {
  const files = await buildDashboard();
  for (const f of files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.body);
  }
  return files;
}

/** What a first load downloads, compressed: index.html, the script and the stylesheet. */
export function firstLoadGzipBytes(files: DashboardFile[]): number {
  return files.reduce((n, f) => n + f.gzip.length, 0);
}

// `tsx web/build.ts [dir]`: writes the built dashboard (the stack's bucket deployment runs this).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await writeDashboard(process.argv[2] ? resolve(process.argv[2]) : DASHBOARD_OUT_DIR);
  process.stdout.write(`dashboard: ${files.length} files, ${firstLoadGzipBytes(files)} bytes gzip\n`);
}
