/**
 * `npm run bench -- inventory [--runs N] [--machines N]`: how long `pollCloud` takes to bring a simulated
 * cloud of 10,000 machines into the inventory, against the embedded MongoDB-compatible server running in
 * this process, in memory (so RSS covers the poller, the driver and the server together).
 *
 *   (a) first poll: every machine appears (10,000 upserts + 10,000 audit events), a fresh cloud per run
 *   (b) a second poll with nothing changed
 *   (c) a poll after 10% of the simulated machines changed state (written to sim_machines directly)
 *
 * Target: the first poll of 10,000 machines in under 2 s (judged on the median of the runs).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Db, MongoClient } from 'mongodb';
import { createOrg } from '../lib/auth/orgs.js';
import { createCloud } from '../lib/clouds/clouds.js';
import { collections, ensureIndexes } from '../lib/db/collections.js';
import type { CloudDoc } from '../lib/db/documents.js';
import { type PollResult, pollCloud } from '../lib/inventory/machines.js';
import type { JobDeps } from '../lib/jobs/jobs.js';
import type { TokenActor } from '../lib/model/actor.js';
import { CreateCloudBody } from '../lib/model/cloud.js';
import { startMongoServer } from '../local/mongo/server.js';
import {
  fmt,
  intArg,
  machineLine,
  mb,
  median,
  min,
  printTable,
  rssSampler,
  timed,
} from './support/report.js';

process.env.NIMBO_LOG_LEVEL = 'silent';
process.env.NIMBO_DATA_KEY ??= randomBytes(32).toString('base64');

const TARGET_MS = 2_000;

interface Sample {
  ms: number;
  listMs?: number;
  applyMs?: number;
  auditMs?: number;
  /** user + system CPU of this process (poller, driver and server): robust to other processes' load. */
  cpuMs: number;
  /** Wall time of the bulkWrite's `update` commands, from the driver's command monitoring. */
  updateCmdMs: number;
  peakRss: number;
  result: PollResult;
}

/**
 * The poll's phases, read off the injected clock: listMachines calls now() first, applyPoll next, the
 * audit insert (only when there are events) after its retention lookup, and pollCloud once the apply is
 * done. Cheap and leaves the code path untouched; if lib changes that order, the split is left blank.
 */
function clock() {
  let marks: number[] | undefined;
  return {
    now: () => {
      marks?.push(performance.now());
      return new Date();
    },
    record: () => {
      marks = [];
    },
    stop: () => {
      const m = marks ?? [];
      marks = undefined;
      return m;
    },
  };
}

function split(marks: number[]): Pick<Sample, 'listMs' | 'applyMs' | 'auditMs'> {
  if (marks.length !== 3 && marks.length !== 4) return {};
  const last = marks[marks.length - 1]!;
  return {
    listMs: marks[1]! - marks[0]!,
    applyMs: last - marks[1]!,
    auditMs: marks.length === 4 ? last - marks[2]! : 0,
  };
}

/** Flips running <-> stopped on every tenth simulated machine (a different tenth per run). */
async function changeTenth(db: Db, cloudId: string, run: number): Promise<number> {
  const sim = db.collection<{ _id: string; cloudId: string; state: string }>('sim_machines');
  const docs = await sim.find({ cloudId }, { projection: { _id: 1, state: 1 } }).toArray();
  const ops = docs
    .filter((_, i) => i % 10 === run % 10)
    .map((d) => ({
      updateOne: {
        filter: { _id: d._id },
        update: { $set: { state: d.state === 'running' ? 'stopped' : 'running' } },
      },
    }));
  if (ops.length) await sim.bulkWrite(ops, { ordered: false });
  return ops.length;
}

export default async function inventoryBench(args: string[]): Promise<boolean> {
  const runs = intArg(args, '--runs', 3);
  const machines = intArg(args, '--machines', 10_000);
  const rss = rssSampler();
  const server = await startMongoServer({ host: '127.0.0.1', port: 0 });
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000, monitorCommands: true });
  let updateCmdMs = 0;
  client.on('commandSucceeded', (e) => {
    if (e.commandName === 'update') updateCmdMs += e.duration;
  });
  const problems: string[] = [];
  let firstPollMedian = Number.POSITIVE_INFINITY;
  try {
    await client.connect();
    const db = client.db('nimbo_bench_inventory');
    await ensureIndexes(db);
    const time = clock();
    // createCloud enqueues the first poll; the benchmark runs pollCloud itself, so the message is dropped.
    const deps: JobDeps = { db, now: time.now, queue: { send: async () => {}, sendBatch: async () => {} } };
    const { org, tokenView } = await createOrg(deps, { name: 'bench', creator: 'bench' });
    const actor: TokenActor = {
      type: 'token',
      orgId: org._id,
      tokenId: tokenView.id,
      name: tokenView.name,
      role: 'owner',
    };
    console.log(`inventory benchmark: embedded in-process server ${server.uri} (in memory)`);
    console.log(`${machineLine()}; ${fmt(machines)} machines per cloud, ${runs} runs\n`);

    let clouds = 0;
    const seedMs: number[] = [];
    const addCloud = async (count: number): Promise<CloudDoc> => {
      const body = CreateCloudBody.parse({
        provider: 'sim',
        name: `bench-${++clouds}`,
        settings: { machines: count, seed: clouds, transitionMs: 0, latencyMs: 0 },
      });
      const { ms, value } = await timed(() => createCloud(deps, actor, body, 'bench'));
      if (count === machines) seedMs.push(ms);
      return (await collections(db).clouds.findOne({ _id: value.cloud.id }))!;
    };
    const poll = async (cloud: CloudDoc): Promise<Sample> => {
      rss.phase();
      updateCmdMs = 0;
      const cpu = process.cpuUsage();
      time.record();
      const { ms, value } = await timed(() => pollCloud(deps, cloud));
      const marks = time.stop();
      const used = process.cpuUsage(cpu);
      return {
        ms,
        ...split(marks),
        cpuMs: (used.user + used.system) / 1000,
        updateCmdMs,
        peakRss: rss.peak(),
        result: value,
      };
    };
    const check = (label: string, s: Sample, want: Partial<PollResult>) => {
      for (const [k, v] of Object.entries(want)) {
        const got = s.result[k as keyof PollResult];
        if (got !== v) problems.push(`${label}: ${k} was ${got}, expected ${v}`);
      }
    };

    // Warm-up (JIT, first-collection costs) on a small cloud that stays in the database.
    await poll(await addCloud(Math.min(1_000, machines)));

    const first: Sample[] = [];
    let cloud: CloudDoc | undefined;
    for (let r = 0; r < runs; r++) {
      cloud = await addCloud(machines);
      const s = await poll(cloud);
      check('first poll', s, { listed: machines, appeared: machines, stateChanged: 0 });
      first.push(s);
    }
    const unchanged: Sample[] = [];
    for (let r = 0; r < runs; r++) {
      const s = await poll(cloud!);
      check('unchanged poll', s, { listed: machines, appeared: 0, stateChanged: 0, disappeared: 0 });
      unchanged.push(s);
    }
    const changed: Sample[] = [];
    for (let r = 0; r < runs; r++) {
      const flipped = await changeTenth(db, cloud!._id, r);
      const s = await poll(cloud!);
      check('10% changed poll', s, { listed: machines, appeared: 0, stateChanged: flipped });
      changed.push(s);
    }

    const cell = (xs: Array<number | undefined>, digits = 0) => {
      const v = xs.filter((x): x is number => x !== undefined);
      return v.length === xs.length ? `${fmt(median(v), digits)} / ${fmt(min(v), digits)}` : 'n/a';
    };
    const row = (label: string, ss: Sample[]) => {
      const ms = ss.map((s) => s.ms);
      return [
        label,
        cell(ms),
        fmt((machines / median(ms)) * 1000),
        cell(ss.map((s) => s.listMs)),
        cell(ss.map((s) => s.applyMs)),
        cell(ss.map((s) => s.auditMs)),
        cell(ss.map((s) => s.updateCmdMs)),
        cell(ss.map((s) => s.cpuMs)),
        mb(Math.max(...ss.map((s) => s.peakRss))),
        ms.map((m) => fmt(m)).join(', '),
      ];
    };
    printTable(
      [
        'pollCloud',
        'total ms (med / min)',
        'machines/s (med)',
        'listMachines ms',
        'applyPoll ms',
        'of which audit insert ms',
        'bulk upsert cmd ms',
        'CPU ms',
        'peak RSS (sampled)',
        'runs, ms',
      ],
      [
        row(`(a) first poll: ${fmt(machines)} appear`, first),
        row('(b) second poll, nothing changed', unchanged),
        row('(c) poll after 10% changed state', changed),
      ],
    );
    console.log(
      `\nseeding the simulated fleet (createCloud: generate + bulk insert into sim_machines): ` +
        `median ${fmt(median(seedMs))} ms, min ${fmt(min(seedMs))} ms`,
    );
    const count = (name: string) => db.collection(name).estimatedDocumentCount();
    console.log(
      `database at the end: ${fmt(await count('machines'))} machines, ${fmt(await count('audit'))} audit events, ` +
        `${fmt(await count('sim_machines'))} simulated machines`,
    );
    console.log(
      `RSS: now ${mb(process.memoryUsage().rss)}, peak sampled every 25 ms ${mb(rss.overall())}, ` +
        `maxRSS (kernel high-water mark, whole run) ${mb(rss.maxRss())}`,
    );
    console.log('(the database server runs in this process: RSS covers poller, driver and server together)');
    console.log(
      '(columns: median / min of the runs in ms. listMachines / applyPoll split read off the injected clock; ' +
        'applyPoll includes the audit insert and the bulk upsert `update` commands; CPU = user+sys of this process)',
    );
    firstPollMedian = median(first.map((s) => s.ms));
  } finally {
    rss.stop();
    await client.close();
    await server.close();
  }
  for (const p of problems) console.log(`WRONG RESULT: ${p}`);
  const pass = problems.length === 0 && firstPollMedian < TARGET_MS;
  console.log(
    `\n${pass ? 'PASS' : 'FAIL'}: first poll of ${fmt(machines)} machines took ${fmt(firstPollMedian)} ms ` +
      `(median of ${runs}; target < ${fmt(TARGET_MS)} ms)${problems.length ? '; results were wrong' : ''}`,
  );
  return pass;
}
