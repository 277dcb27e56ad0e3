/** Small helpers shared by the inventory, api and bundles benchmarks: number formatting, tables, RSS, timing. */
import { cpus, loadavg } from 'node:os';

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const min = (xs: number[]) => (xs.length ? Math.min(...xs) : Number.NaN);

/** The first column is left-aligned, the others right-aligned (they are numbers). */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Other processes on a 2-core box skew every figure: print what the machine was doing. */
export function machineLine(): string {
  const load = loadavg().map((l) => l.toFixed(2));
  return `node ${process.version}, ${cpus().length} CPUs, load average ${load.join(' ')}`;
}

/**
 * Samples RSS every 25 ms. A long synchronous stretch delays the samples, so the kernel high-water mark
 * (maxRSS) is printed beside it; `phase()` restarts the sampled peak so each measurement gets its own.
 */
export function rssSampler() {
  let peak = process.memoryUsage().rss;
  let overall = peak;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    overall = Math.max(overall, rss);
  };
  const timer = setInterval(sample, 25);
  timer.unref();
  return {
    /** Since the last phase() (or the start). */
    peak: () => {
      sample();
      return peak;
    },
    overall: () => {
      sample();
      return overall;
    },
    phase: () => {
      peak = process.memoryUsage().rss;
    },
    maxRss: () => process.resourceUsage().maxRSS * 1024,
    stop: () => clearInterval(timer),
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function intArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer`);
  return n;
}
