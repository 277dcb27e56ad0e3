/**
 * Benchmark runner: `npm run bench -- <name> [options]` runs the default export of bench/<name>.ts.
 * Without a known name it lists the available benchmarks and exits 1.
 * A benchmark returns false (or a non-zero number) when one of its targets failed; the runner then exits 1.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Benchmark = (args: string[]) => Promise<boolean | number | undefined>;

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  const what = name ? `unknown benchmark "${name}"` : 'no benchmark given';
  process.stderr.write(
    `${what}\nusage: npm run bench -- <name> [options]\navailable: ${available.join(', ')}\n`,
  );
  process.exit(1);
}

const mod = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as { default?: Benchmark };
if (typeof mod.default !== 'function') {
  process.stderr.write(`bench/${name}.ts has no default export function\n`);
  process.exit(1);
}
try {
  const outcome = await mod.default(args);
  const failed = outcome === false || (typeof outcome === 'number' && outcome !== 0);
  process.exit(failed ? 1 : 0);
} catch (error) {
  process.stderr.write(`bench ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
