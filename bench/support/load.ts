/**
 * HTTP load from a SECOND process: autocannon's CLI in a child node process, its --json result parsed.
 * Load generated inside the server's own process would steal the event loop it measures.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

export interface LoadResult {
  requestsPerSec: number;
  total: number;
  p50: number;
  p975: number;
  p99: number;
  avg: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  bytesPerSec: number;
  /** CPU (user + sys) this process spent while the load ran: the server side of the work, in ms. */
  serverCpuMs: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p97_5: number; p99: number; average: number; max: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export function runLoad(
  url: string,
  opts: { seconds: number; connections: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`refusing to load ${u.hostname}: only 127.0.0.1`);
  const args = [cli, '--json', '-n', '-c', String(opts.connections), '-d', String(opts.seconds)];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    // autocannon stops itself after `seconds`; this only guards against a hung child.
    const guard = setTimeout(() => child.kill('SIGKILL'), (opts.seconds + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      const used = process.cpuUsage(cpu);
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err.slice(-500)}`));
      try {
        const r = JSON.parse(out.slice(out.indexOf('{'))) as AutocannonJson;
        resolve({
          requestsPerSec: r.requests.average,
          total: r.requests.total,
          p50: r.latency.p50,
          p975: r.latency.p97_5,
          p99: r.latency.p99,
          avg: r.latency.average,
          max: r.latency.max,
          errors: r.errors,
          timeouts: r.timeouts,
          non2xx: r.non2xx,
          bytesPerSec: r.throughput.average,
          serverCpuMs: (used.user + used.system) / 1000,
        });
      } catch (e) {
        reject(new Error(`could not parse autocannon's output: ${String(e)}; ${out.slice(0, 200)}`));
      }
    });
  });
}
