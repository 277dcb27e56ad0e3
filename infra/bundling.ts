/**
 * How every function is bundled: ESM with everything (the AWS SDK included) in one file, which loads
 * fastest at cold start and pins the SDK version (notes/toolchain.md §4). The banner gives ESM bundles the
 * `require`, `__filename` and `__dirname` that mongodb and ssh2 expect (pitfalls P3, P4).
 */
export const ESM_BANNER =
  "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; " +
  "import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); " +
  'const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);';

export const BUNDLE_TARGET = 'node22';

/** Native addons are optional for ssh2 (it falls back to pure JS); never ship an x86 .node to arm64 (P5). */
export const EXTERNAL_MODULES = ['cpu-features'];
export const LOADERS: Record<string, 'empty'> = { '.node': 'empty' };
export const MAIN_FIELDS = ['module', 'main'];
