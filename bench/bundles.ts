/**
 * `npm run bench -- bundles [--runs N]`: size and cold import time of each Lambda bundle, built with
 * esbuild's JS API and the options of infra/bundling.ts into a temp dir. Each import runs in a fresh
 * `node` process (N times, interleaved with a bare `node -e 0` baseline so drift from other processes hits
 * all alike), reporting the in-process import time and the whole process wall time.
 *
 * The handlers must connect lazily: an import that opens a socket or resolves a hostname is reported
 * (a separate run per bundle with net.Socket#connect and dns.lookup wrapped) and fails the benchmark.
 *
 * An extra row per bundle shows what source maps would cost at load (an external .map and
 * NODE_OPTIONS=--enable-source-maps): the reason infra/constructs/function.ts ships none.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_TARGET, functionBuildOptions } from '../infra/bundling.js';
import { fmt, intArg, machineLine, median, min, printTable } from './support/report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['api', 'worker', 'tick'] as const;

/** Lambda's region variable only; no database or queue: importing must not need them. */
const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NIMBO_LOG_LEVEL: 'silent',
};

const NET_WATCH = `
import net from 'node:net'; import dns from 'node:dns';
const hits = [];
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...a) { const o = Array.isArray(a[0]) ? a[0][0] : a[0]; hits.push('connect ' + JSON.stringify(o?.path ?? [o?.host, o?.port] ?? o)); return connect.apply(this, a); };
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) { hits.push('dns ' + host); return lookup.call(this, host, ...rest); };
process.on('exit', () => { process.stdout.write('NET:' + JSON.stringify(hits) + '\\n'); });
`;

/** The packages (or "own code") that weigh most in the minified index.mjs (chunks load on first use). */
function heaviest(meta: Metafile, top = 4): string {
  const byPkg = new Map<string, number>();
  for (const [file, out] of Object.entries(meta.outputs)) {
    if (!file.endsWith('/index.mjs')) continue;
    for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const pkg = m ? m[1]! : 'own code';
      byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...byPkg]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([p, b]) => `${p} ${fmt(b / 1024)} KB`)
    .join(', ');
}

async function bundle(
  name: string,
  outDir: string,
  sourcemap: boolean,
): Promise<{ file: string; meta: Metafile; chunkBytes: number }> {
  const dir = join(outDir, sourcemap ? `${name}-sm` : name);
  const { metafile } = await build(
    functionBuildOptions(join(root, 'functions', `${name}.ts`), dir, sourcemap),
  );
  const chunkBytes = Object.entries(metafile!.outputs)
    .filter(([path]) => path.includes('/chunks/') && path.endsWith('.mjs'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  return { file: join(dir, 'index.mjs'), meta: metafile!, chunkBytes };
}

interface Run {
  importMs: number;
  /** user + sys CPU of the child up to the end of the import: steadier than wall time on a busy machine. */
  cpuMs: number;
  wallMs: number;
}

const CPU = 'const c = process.cpuUsage(); console.log(t, (c.user + c.system) / 1000);';

function spawnNode(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): { wallMs: number; stdout: string } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, cwd, encoding: 'utf8', timeout: 60_000 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(
      `node ${args.join(' ').slice(0, 120)} failed (${r.status ?? r.signal}): ${r.stderr.slice(-800)}`,
    );
  }
  return { wallMs, stdout: r.stdout };
}

function coldImport(file: string, env: Record<string, string>): Run {
  const href = JSON.stringify(pathToFileURL(file).href);
  const code = `let t = performance.now(); await import(${href}); t = performance.now() - t; ${CPU}`;
  const { wallMs, stdout } = spawnNode(['--input-type=module', '-e', code], env, dirname(file));
  const [importMs, cpuMs] = (stdout.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { importMs: importMs!, cpuMs: cpuMs!, wallMs };
}

/** Imports once with the network wrapped and waits a little for anything started asynchronously. */
function networkAtImport(file: string): string[] {
  const watch = `data:text/javascript,${encodeURIComponent(NET_WATCH)}`;
  const code = `await import(${JSON.stringify(pathToFileURL(file).href)}); setTimeout(() => process.exit(0), 500);`;
  const { stdout } = spawnNode(['--import', watch, '--input-type=module', '-e', code], ENV, dirname(file));
  const line = stdout.split('\n').find((l) => l.startsWith('NET:'));
  if (!line) return ['(the network watch did not report: check could not run)'];
  return JSON.parse(line.slice(4)) as string[];
}

export default async function bundlesBench(args: string[]): Promise<boolean> {
  const runs = intArg(args, '--runs', 10);
  const outDir = mkdtempSync(join(tmpdir(), 'nimbo-bundles-'));
  try {
    console.log(
      `bundles benchmark: esbuild (infra/bundling.ts options, target ${BUNDLE_TARGET}) into ${outDir}`,
    );
    console.log(`${machineLine()}; ${runs} cold imports per bundle, each in a fresh process\n`);
    const targets: Array<{ label: string; file: string; env: Record<string, string> }> = [];
    const sizes: string[][] = [];
    for (const name of FUNCTIONS) {
      const start = performance.now();
      const { file, meta, chunkBytes } = await bundle(name, outDir, false);
      const buildMs = performance.now() - start;
      const bytes = readFileSync(file);
      const { file: mapped } = await bundle(name, outDir, true);
      sizes.push([
        `functions/${name}.ts`,
        fmt(bytes.length / 1024, 1),
        fmt(gzipSync(bytes).length / 1024, 1),
        fmt(statSync(`${mapped}.map`).size / 1024, 1),
        fmt(chunkBytes / 1024, 1),
        fmt(buildMs),
        heaviest(meta),
      ]);
      targets.push({ label: `${name}`, file, env: ENV });
      targets.push({
        label: `${name} with source maps (+ .map, --enable-source-maps)`,
        file: mapped,
        env: { ...ENV, NODE_OPTIONS: '--enable-source-maps' },
      });
    }
    printTable(
      [
        'bundle (index.mjs)',
        'size KB',
        'gzip KB',
        'source map KB',
        'chunks KB (first use)',
        'esbuild ms',
        'heaviest inputs (minified)',
      ],
      sizes,
    );

    const network = FUNCTIONS.map((name, i) => ({ name, hits: networkAtImport(targets[i * 2]!.file) }));

    const baseline: Run[] = [];
    const results = targets.map(() => [] as Run[]);
    for (let r = 0; r < runs; r++) {
      const { wallMs, stdout } = spawnNode(['-e', `const t = 0; ${CPU}`], ENV, outDir);
      baseline.push({ importMs: 0, cpuMs: Number(stdout.trim().split(' ')[1]), wallMs });
      targets.forEach((t, i) => {
        results[i]!.push(coldImport(t.file, t.env));
      });
    }
    const base = median(baseline.map((b) => b.wallMs));
    const cells = (rs: Run[], pick: (r: Run) => number) =>
      `${fmt(median(rs.map(pick)), 1)} / ${fmt(min(rs.map(pick)), 1)}`;
    console.log('');
    printTable(
      [
        'cold import (fresh node process), med / min',
        'import ms',
        'process CPU ms',
        'process wall ms',
        'wall - baseline ms (med)',
      ],
      [
        ['baseline: node -e 0', '-', cells(baseline, (r) => r.cpuMs), cells(baseline, (r) => r.wallMs), '0'],
        ...targets.map((t, i) => {
          const rs = results[i]!;
          return [
            t.label,
            cells(rs, (r) => r.importMs),
            cells(rs, (r) => r.cpuMs),
            cells(rs, (r) => r.wallMs),
            fmt(median(rs.map((r) => r.wallMs)) - base, 1),
          ];
        }),
      ],
    );
    console.log(
      `\n(node ${process.version} here; Lambda runs node 22 on arm64, so absolute figures differ there. ` +
        'env: AWS_REGION=us-east-1 only, no database, no queue)',
    );

    let quiet = true;
    for (const { name, hits } of network) {
      const ok = hits.length === 0;
      quiet &&= ok;
      console.log(
        `${ok ? 'PASS' : 'FAIL'}: importing the ${name} bundle ${ok ? 'opened no connection and resolved no host' : `touched the network: ${hits.join(', ')}`}`,
      );
    }
    return quiet;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
