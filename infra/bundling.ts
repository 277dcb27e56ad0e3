/**
 * How every function is bundled: ESM with everything (the AWS SDK included) in the asset, which loads
 * fastest at cold start and pins the SDK versions (notes/toolchain.md §4); what is only dynamically
 * imported goes to chunks read on first use. The banner gives ESM bundles the
 * `require`, `__filename` and `__dirname` that mongodb and ssh2 expect (pitfalls P3, P4).
 */
import type { BuildOptions } from 'esbuild';

export const ESM_BANNER =
  "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; " +
  "import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); " +
  'const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);';

export const BUNDLE_TARGET = 'node22';

/** Native addons are optional for ssh2 (it falls back to pure JS); never ship an x86 .node to arm64 (P5). */
export const EXTERNAL_MODULES = ['cpu-features'];
export const LOADERS: Record<string, 'empty'> = { '.node': 'empty' };
export const MAIN_FIELDS = ['module', 'main'];

/**
 * esbuild's options for one function, shared by the stack (infra/split-bundle.ts) and bench/bundles.ts.
 * Code splitting: what a function reaches only through `await import()` (the Google Cloud and Azure SDKs,
 * loaded by their drivers on first use) lands in chunks/ beside index.mjs and is read only when first
 * used, so a cold start pays for the clouds it talks to, not for every SDK Nimbo carries.
 */
export function functionBuildOptions(entry: string, outdir: string, sourcemap = false): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    minify: true,
    mainFields: MAIN_FIELDS,
    banner: { js: ESM_BANNER },
    external: EXTERNAL_MODULES,
    loader: LOADERS,
    logLevel: 'error',
    metafile: true,
    ...(sourcemap ? { sourcemap: true } : {}),
  };
}
