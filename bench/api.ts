/**
 * `npm run bench -- api [--seconds N] [--connections N] [--machines N] [--warmup N] [--rounds N]`: the local runtime
 * answering GET /v1/machines?limit=100 over an inventory of 10,000 machines, under load from a second
 * process (autocannon's CLI), beside a bare node:http handler running the same driver query against the
 * same database in the same process. The gap between the two is what Nimbo's layers cost (API Gateway
 * emulation, middy, auth lookup, validation, views); the database and the machine are the same for both.
 *
 * No target: it prints the figures and fails only if Nimbo answers anything but 200.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { startMongoServer } from '../local/mongo/server.js';
import { startLocalRuntime } from '../local/runtime/runtime.js';
import { type LoadResult, runLoad } from './support/load.js';
import { fmt, intArg, machineLine, median, printTable, timed } from './support/report.js';

process.env.NIMBO_LOG_LEVEL = 'silent';
process.env.NIMBO_DATA_KEY ??= randomBytes(32).toString('base64');

const DB_NAME = 'nimbo_bench_api';

async function call(
  url: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown>; bytes: number }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, bytes: text.length };
}

/** The same query findPage issues for the first page sorted by name, served with nothing around it. */
async function startBareServer(uri: string, orgId: string) {
  const client = new MongoClient(uri, { maxPoolSize: 5 }); // Nimbo's pool size (lib/db/client.ts)
  await client.connect();
  const machines = client.db(DB_NAME).collection('machines');
  const query = () =>
    machines.find({ orgId, missingSince: null }).sort({ name: 1, _id: 1 }).limit(101).toArray();
  const server = createServer((_req, res) => {
    query()
      .then((docs) => {
        const body = JSON.stringify({
          items: docs.slice(0, 100),
          nextCursor: docs.length > 100 ? 'more' : null,
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      })
      .catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    query,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await client.close();
    },
  };
}

/** Medians of the rounds' figures; errors are summed (any error counts). */
function pooled(rs: LoadResult[]): LoadResult {
  const med = (pick: (r: LoadResult) => number) => median(rs.map(pick));
  const sum = (pick: (r: LoadResult) => number) => rs.reduce((a, r) => a + pick(r), 0);
  return {
    requestsPerSec: med((r) => r.requestsPerSec),
    total: sum((r) => r.total),
    p50: med((r) => r.p50),
    p975: med((r) => r.p975),
    p99: med((r) => r.p99),
    avg: med((r) => r.avg),
    max: Math.max(...rs.map((r) => r.max)),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    bytesPerSec: med((r) => r.bytesPerSec),
    serverCpuMs: med((r) => r.serverCpuMs),
  };
}

export default async function apiBench(args: string[]): Promise<boolean> {
  const seconds = intArg(args, '--seconds', 10);
  const connections = intArg(args, '--connections', 10);
  const machines = intArg(args, '--machines', 10_000);
  const warmup = intArg(args, '--warmup', 2);
  const rounds = intArg(args, '--rounds', 2);
  const mongo = await startMongoServer({ host: '127.0.0.1', port: 0 });
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>> | undefined;
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  try {
    // An hourly tick: the scheduler must not queue polls in the middle of a measurement.
    runtime = await startLocalRuntime({
      port: 0,
      mongoUri: mongo.uri,
      dbName: DB_NAME,
      tickPeriodMs: 3_600_000,
    });
    const { token, orgId } = runtime.bootstrap!;
    console.log(
      `api benchmark: local runtime ${runtime.apiUrl}, embedded in-process database ${mongo.uri} (in memory)`,
    );
    console.log(
      `${machineLine()}; ${seconds} s per run, ${connections} connections, ${warmup} s warm-up each, ${rounds} rounds\n`,
    );

    const seedStart = performance.now();
    const added = await call(`${runtime.apiUrl}/v1/clouds`, token, {
      method: 'POST',
      body: {
        provider: 'sim',
        name: 'bench',
        settings: { machines, seed: 1, transitionMs: 0, latencyMs: 0 },
      },
    });
    if (added.status !== 201)
      throw new Error(`POST /v1/clouds answered ${added.status}: ${JSON.stringify(added.body)}`);
    await runtime.jobs.drain();
    const job = await call(`${runtime.apiUrl}/v1/jobs/${added.body.pollJobId}`, token);
    const result = job.body.result as { appeared?: number } | null;
    if (job.body.status !== 'succeeded' || result?.appeared !== machines) {
      throw new Error(`the first poll did not land: ${JSON.stringify(job.body)}`);
    }
    const counter = new MongoClient(mongo.uri);
    const listed = await counter
      .db(DB_NAME)
      .collection('machines')
      .countDocuments({ orgId, missingSince: null })
      .finally(() => counter.close());
    console.log(
      `inventory: ${fmt(listed)} machines in the org (${fmt(machines)} from the benchmark's sim cloud, the rest ` +
        `from the runtime's bootstrap cloud); added and polled in ${fmt((performance.now() - seedStart) / 1000, 1)} s`,
    );

    const nimboUrl = `${runtime.apiUrl}/v1/machines?limit=100`;
    const probe = await call(nimboUrl, token);
    const items = (probe.body.items as unknown[] | undefined)?.length ?? 0;
    if (probe.status !== 200 || items !== 100) {
      throw new Error(`GET /v1/machines?limit=100 answered ${probe.status} with ${items} items`);
    }
    bare = await startBareServer(mongo.uri, orgId);
    const bareProbe = await call(bare.url, token);
    console.log(
      `one response: Nimbo ${fmt(probe.bytes)} bytes (MachineView), bare ${fmt(bareProbe.bytes)} bytes ` +
        '(raw documents), both 100 items',
    );

    // Unloaded, one at a time: how much of a request is the database query itself.
    const one = async (fn: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < 10; i++) ms.push((await timed(fn)).ms);
      return `${fmt(median(ms), 1)} ms`;
    };
    console.log(
      `10 sequential requests, median: Nimbo ${await one(() => call(nimboUrl, token))}, ` +
        `bare ${await one(() => call(bare!.url, token))}, the driver query alone in-process ` +
        `${await one(() => bare!.query())}\n`,
    );

    const auth = { authorization: `Bearer ${token}` };
    const measure = async (url: string, headers?: Record<string, string>): Promise<LoadResult> => {
      if (warmup > 0) await runLoad(url, { seconds: warmup, connections, ...(headers ? { headers } : {}) });
      return runLoad(url, { seconds, connections, ...(headers ? { headers } : {}) });
    };
    // Alternating order over rounds, so a change in the machine's load does not favour one side.
    const nimboRuns: LoadResult[] = [];
    const plainRuns: LoadResult[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        nimboRuns.push(await measure(nimboUrl, auth));
        plainRuns.push(await measure(bare.url));
      } else {
        plainRuns.push(await measure(bare.url));
        nimboRuns.push(await measure(nimboUrl, auth));
      }
    }
    const nimbo = pooled(nimboRuns);
    const plain = pooled(plainRuns);

    const row = (label: string, r: LoadResult) => [
      label,
      fmt(r.requestsPerSec, 1),
      fmt(r.total),
      fmt(r.p50),
      fmt(r.p975),
      fmt(r.p99),
      fmt(r.avg, 1),
      fmt(r.max),
      `${r.errors} / ${r.timeouts} / ${r.non2xx}`,
      fmt(r.bytesPerSec / 1024 / 1024, 2),
      `${fmt(r.serverCpuMs / (seconds * 10), 0)}%`,
    ];
    printTable(
      [
        'GET 100 machines (10k inventory)',
        'req/s',
        'requests',
        'p50 ms',
        'p97.5 ms',
        'p99 ms',
        'avg ms',
        'max ms',
        'errors / timeouts / non-2xx',
        'MB/s',
        'server CPU',
      ],
      [
        ...nimboRuns.map((r, i) => row(`Nimbo: local runtime /v1/machines, round ${i + 1}`, r)),
        ...plainRuns.map((r, i) => row(`bare node:http + driver, same query, round ${i + 1}`, r)),
      ],
    );
    console.log(
      `\nover ${rounds} rounds (medians): Nimbo ${fmt(nimbo.requestsPerSec, 1)} req/s, p50 ${fmt(nimbo.p50)} ms, p99 ${fmt(nimbo.p99)} ms; ` +
        `bare ${fmt(plain.requestsPerSec, 1)} req/s, p50 ${fmt(plain.p50)} ms, p99 ${fmt(plain.p99)} ms` +
        `\nratio bare / Nimbo: ${fmt(plain.requestsPerSec / nimbo.requestsPerSec, 2)}x the requests/s; ` +
        `Nimbo's p50 is ${fmt(nimbo.p50 / Math.max(plain.p50, 1), 2)}x, its p99 ${fmt(nimbo.p99 / Math.max(plain.p99, 1), 2)}x the bare server's`,
    );
    console.log(
      '(server CPU = user+sys of the benchmark process, which hosts the API, the bare server and the database, ' +
        'as a share of one core; the load generator is a separate process on the same 2 cores)',
    );
    const clean = nimbo.errors === 0 && nimbo.timeouts === 0 && nimbo.non2xx === 0;
    console.log(
      `\n${clean ? 'PASS' : 'FAIL'}: Nimbo answered ${fmt(nimbo.total)} requests with ` +
        `${nimbo.errors} errors, ${nimbo.timeouts} timeouts, ${nimbo.non2xx} non-2xx (no throughput target)`,
    );
    return clean;
  } finally {
    await bare?.close();
    await runtime?.stop();
    await mongo.close();
  }
}
