/**
 * `npm run bench -- costs [--machines N] [--requests N]`: GET /v1/costs over the local runtime (HTTP,
 * the API function, the embedded database in this process, in memory) for an org of 100,000 machines
 * (six providers, a team tag on nine in ten, four in five running, Hetzner's in EUR), grouped by provider
 * and by tag:team: sequential requests after a warm-up, median and p99. It checks that each answer's
 * totals equal the sum over the machines, computed here, and fails otherwise.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startMongoServer } from '../local/mongo/server.js';
import { startLocalRuntime } from '../local/runtime/runtime.js';
import { fmt, intArg, machineLine, median, printTable, timed } from './support/report.js';

process.env.NIMBO_LOG_LEVEL = 'silent';
process.env.NIMBO_DATA_KEY ??= randomBytes(32).toString('base64');

const DB_NAME = 'nimbo_bench_costs';
const PROVIDERS = ['aws', 'aws', 'aws', 'gcp', 'azure', 'digitalocean', 'hetzner', 'sim'] as const;

const p99 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]!;

export default async function costs(args: string[]): Promise<boolean> {
  const count = intArg(args, '--machines', 100_000);
  const requests = intArg(args, '--requests', 50);
  const mongo = await startMongoServer({ host: '127.0.0.1', port: 0 });
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>> | undefined;
  const client = new MongoClient(mongo.uri);
  try {
    runtime = await startLocalRuntime({
      port: 0,
      mongoUri: mongo.uri,
      dbName: DB_NAME,
      tickPeriodMs: 3_600_000,
    });
    const { token, orgId } = runtime.bootstrap!;
    await client.connect();
    const machines = client.db(DB_NAME).collection('machines');
    await machines.deleteMany({ orgId });
    console.log(`costs benchmark: local runtime ${runtime.apiUrl}, embedded in-process database (in memory)`);
    console.log(`${machineLine()}; ${fmt(count)} machines, ${requests} sequential requests per grouping\n`);

    const expected = new Map<string, number>(); // currency -> hourly, running machines
    const at = new Date();
    const inserted = await timed(async () => {
      for (let start = 0; start < count; start += 10_000) {
        const docs = [];
        for (let i = start; i < Math.min(count, start + 10_000); i++) {
          const provider = PROVIDERS[i % PROVIDERS.length]!;
          const running = i % 5 !== 0;
          const priced = provider !== 'gcp' && provider !== 'azure';
          const hourly = priced ? Math.round((0.005 + (i % 97) * 0.0037) * 1e4) / 1e4 : null;
          const currency = provider === 'hetzner' ? 'EUR' : 'USD';
          if (running && hourly !== null) expected.set(currency, (expected.get(currency) ?? 0) + hourly);
          docs.push({
            _id: `machine_bench${i}`,
            orgId,
            cloudId: `cloud_${provider}${i % 3}`,
            provider,
            externalId: `x-${i}`,
            name: `m-${String(i).padStart(6, '0')}`,
            state: running ? 'running' : 'stopped',
            region: `region-${i % 12}`,
            location: null,
            size: `size-${i % 25}`,
            image: null,
            publicIps: [],
            privateIps: [],
            tags: [
              ...(i % 10 === 0 ? [] : [{ k: 'team', v: `team-${i % 20}` }]),
              { k: 'env', v: i % 3 === 0 ? 'prod' : 'dev' },
            ],
            launchedAt: null,
            hourlyCost: hourly,
            price: priced
              ? { currency, source: 'bench', reason: null }
              : { currency: null, source: null, reason: 'no price list' },
            actions: {},
            extra: {},
            firstSeenAt: at,
            lastSeenAt: at,
            missingSince: null,
            updatedAt: at,
          });
        }
        await machines.insertMany(docs as never[]);
      }
    });
    console.log(`inserted ${fmt(count)} machines in ${fmt(inserted.ms / 1000, 1)} s\n`);

    let ok = true;
    const rows: string[][] = [];
    for (const groupBy of ['provider', 'tag:team']) {
      const url = `${runtime.apiUrl}/v1/costs?groupBy=${encodeURIComponent(groupBy)}`;
      const call = async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as {
          totals: Array<{ currency: string; hourly: number }>;
          groups: unknown[];
        };
        if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
        return body;
      };
      for (let i = 0; i < 3; i++) await call();
      const ms: number[] = [];
      let last: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < requests; i++) {
        const r = await timed(call);
        ms.push(r.ms);
        last = r.value;
      }
      const match = [...expected].every(
        ([c, h]) => Math.abs((last!.totals.find((t) => t.currency === c)?.hourly ?? -1) - h) < 1e-4,
      );
      ok &&= match;
      rows.push([
        groupBy,
        `${fmt(median(ms), 1)} ms`,
        `${fmt(p99(ms), 1)} ms`,
        String(last!.groups.length),
        match ? 'yes' : 'NO',
      ]);
    }
    printTable(['GET /v1/costs?groupBy=', 'median', 'p99', 'groups', 'totals = sum over machines'], rows);
    return ok;
  } finally {
    await client.close();
    await runtime?.stop();
    await mongo.close();
  }
}
