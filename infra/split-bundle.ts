/**
 * `tsx infra/split-bundle.ts <entry> <outdir>`: rebuilds a function's asset with code splitting
 * (functionBuildOptions), run by NimboFunction's afterBundling hook. CDK's own esbuild call writes one
 * --outfile, which cannot split; this replaces its index.mjs with the split build.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions } from './bundling.js';

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) {
  console.error('usage: tsx infra/split-bundle.ts <entry.ts> <outdir>');
  process.exit(2);
}
rmSync(join(outdir, 'index.mjs'), { force: true });
await build(functionBuildOptions(entry, outdir));
