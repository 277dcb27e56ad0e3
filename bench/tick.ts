/**
 * `npm run bench -- tick [--schedules N] [--machines N]`: the tick's schedule work — 1,000 due schedules
 * over an inventory of 10,000 machines: how long claiming every occurrence, resolving its conditions and
 * queueing one job per machine takes, against the embedded MongoDB-compatible server in this process.
 *
 *   ids:  each schedule names 10 machines by id
 *   tags: each schedule selects by tag and name prefix (a condition the index cannot fully answer)
 *
 * Target (issue 4): claim and enqueue 1,000 due schedules in under 5 s. Then the SQS half: 10,000
 * commands through the worker with 10% of deliveries failing transiently, every one acted on exactly once
 * (bench/support/commands.ts; `--commands N`, `--failure-rate 0.1`).
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { createOrg } from '../lib/auth/orgs.js';
import { createCloud } from '../lib/clouds/clouds.js';
import { collections, ensureIndexes } from '../lib/db/collections.js';
import { pollCloud } from '../lib/inventory/machines.js';
import type { JobDeps } from '../lib/jobs/jobs.js';
import type { TokenActor } from '../lib/model/actor.js';
import { CreateCloudBody } from '../lib/model/cloud.js';
import { CreateScheduleBody } from '../lib/model/schedule.js';
import { claimDueSchedules } from '../lib/schedules/runs.js';
import { createSchedule } from '../lib/schedules/schedules.js';
import { startMongoServer } from '../local/mongo/server.js';
import { benchCommands } from './support/commands.js';
import { fmt, intArg, machineLine, mb, printTable, rssSampler, timed } from './support/report.js';

process.env.NIMBO_LOG_LEVEL = 'silent';
process.env.NIMBO_DATA_KEY ??= randomBytes(32).toString('base64');

const TARGET_MS = 5_000;

export default async function tick(args: string[]): Promise<boolean> {
  const schedules = intArg(args, '--schedules', 1_000);
  const machines = intArg(args, '--machines', 10_000);
  const server = await startMongoServer({ port: 0 });
  const client = new MongoClient(server.uri);
  const rss = rssSampler();
  let jobsQueued = 0;
  try {
    const db = client.db(`nimbo_bench_tick_${randomBytes(4).toString('hex')}`);
    await ensureIndexes(db);
    let clock = new Date('2026-11-25T12:00:00Z');
    const queue = {
      send: async () => {
        jobsQueued++;
      },
      sendBatch: async (ms: unknown[]) => {
        jobsQueued += ms.length;
      },
    };
    const deps: JobDeps = { db, now: () => clock, queue };
    const { org, tokenView } = await createOrg(deps, { name: 'bench', creator: 'bench' });
    const actor: TokenActor = {
      type: 'token',
      orgId: org._id,
      tokenId: tokenView.id,
      name: 'bench',
      role: 'owner',
    };
    const { cloud } = await createCloud(
      deps,
      actor,
      CreateCloudBody.parse({
        provider: 'sim',
        name: 'fleet',
        settings: { machines, seed: 7, transitionMs: 0 },
      }),
      'bench',
    );
    await pollCloud(deps, (await collections(db).clouds.findOne({ _id: cloud.id }))!);
    const ids = (
      await collections(db)
        .machines.find({ orgId: org._id }, { projection: { _id: 1 } })
        .toArray()
    ).map((m) => m._id);
    console.log(`tick benchmark: embedded in-process server ${server.uri} (in memory)`);
    console.log(`${machineLine()}; ${fmt(ids.length)} machines, ${fmt(schedules)} schedules per case\n`);

    const rows: string[][] = [];
    let pass = true;
    for (const kind of ['ids', 'tags'] as const) {
      for (let i = 0; i < schedules; i++) {
        const conditions =
          kind === 'ids'
            ? { ids: Array.from({ length: 10 }, (_, j) => ids[(i * 10 + j) % ids.length]!) }
            : {
                all: [
                  { tags: { include: ['env=prod'] } },
                  { field: 'name', op: 'regex', value: `web-prod-${String(i % 100).padStart(2, '0')}` },
                ],
              };
        const body = CreateScheduleBody.parse({
          name: `${kind}-${i}`,
          conditions,
          action: { type: 'machine.action', action: 'reboot' },
          when: { kind: 'interval', every: { value: 5, unit: 'minutes' } },
        });
        await createSchedule(deps, actor, body, null);
      }
      clock = new Date(clock.getTime() + 5 * 60_000 + 1_000); // every schedule is due now
      jobsQueued = 0;
      rss.phase();
      let claimed = 0;
      const { ms } = await timed(async () => {
        for (;;) {
          const n = await claimDueSchedules(deps);
          claimed += n;
          if (n === 0) break;
        }
      });
      const ok = claimed === schedules && ms < TARGET_MS;
      if (kind === 'ids') pass = ok;
      rows.push([
        kind,
        fmt(claimed),
        fmt(jobsQueued),
        fmt(ms),
        fmt((claimed / ms) * 1000),
        mb(rss.peak()),
        ok ? 'PASS' : 'FAIL',
      ]);
      await db.collection('schedules').deleteMany({});
    }
    printTable(
      ['conditions', 'occurrences', 'jobs queued', 'ms', 'schedules/s', 'peak RSS', `< ${fmt(TARGET_MS)} ms`],
      rows,
    );
    console.log(
      `\n${pass ? 'PASS' : 'FAIL'}: 1,000 due schedules (ids conditions) claimed and enqueued (target < ${fmt(TARGET_MS)} ms)`,
    );

    const count = intArg(args, '--commands', 10_000);
    const at = args.indexOf('--failure-rate');
    const failureRate = at >= 0 ? Number(args[at + 1]) : 0.1;
    console.log(
      `\n${fmt(count)} commands through the worker, ${fmt(failureRate * 100)}% of deliveries failing transiently\n`,
    );
    const commands = await benchCommands(db, actor, { count, failureRate, rss });
    console.log(`${commands.pass ? 'PASS' : 'FAIL'}: every command acted on exactly once`);
    return pass && commands.pass;
  } finally {
    rss.stop();
    await client.close();
    await server.close();
  }
}
