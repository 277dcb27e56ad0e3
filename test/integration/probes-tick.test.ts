import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTickHandler } from '../../functions/tick.js';
import { runJobMessage } from '../../lib/app/job-runner.js';
import { createCloud } from '../../lib/clouds/clouds.js';
import { collections, ensureIndexes } from '../../lib/db/collections.js';
import type { OutgoingMessage } from '../../lib/messages/queue.js';
import type { TokenActor } from '../../lib/model/actor.js';
import { isProbeDue } from '../../lib/probes/rules.js';
import { dueProbeFilter, enqueueDueProbes } from '../../lib/probes/tick.js';
import { createTestOrg } from '../helpers/api.js';
import { recordingQueue, testJobs } from '../helpers/jobs.js';
import { type LoopbackListener, openLoopbackListener } from '../helpers/loopback.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { insertLoopbackCloud, insertLoopbackMachines } from '../helpers/probe-fixtures.js';

describe('periodic probes', () => {
  const t = useTestDatabase('probes_tick');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  const minutes = (n: number) => {
    clock = new Date(clock.getTime() + n * 60_000);
  };
  let orgId: string;
  let actor: TokenActor;
  let listener: LoopbackListener;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ orgId } = await createTestOrg(t.db));
    const tok = await t.db.collection<AnyDoc>('tokens').findOne({ orgId });
    actor = { type: 'token', orgId, tokenId: String(tok!._id), name: 'owner', role: 'owner' };
    listener = await openLoopbackListener();
  });
  afterAll(() => listener.close());

  const jobsOf = async (sent: OutgoingMessage[]) =>
    t.db
      .collection<AnyDoc>('jobs')
      .find({ _id: { $in: sent.map((m) => JSON.parse(m.body).jobId) } })
      .toArray();

  /** Each test gets its own org-wide view: clouds of earlier tests are disabled first. */
  async function freshStart() {
    await t.db.collection('clouds').updateMany({}, { $set: { enabled: false } });
  }

  it('queues due machines in jobs sized to the probe budget, and ten concurrent ticks still queue each machine once', async () => {
    await freshStart();
    const cloud = await insertLoopbackCloud(t.db, orgId, {
      probes: { enabled: true, intervalMinutes: 5, port: listener.port },
    });
    const machines = await insertLoopbackMachines(t.db, cloud, 120);
    const { sent, queue } = recordingQueue();
    const tick = createTickHandler(async () => ({ db: t.db, now, queue }) as never);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tick({ id: `e${i}`, time: clock.toISOString() })),
    );
    expect(results.reduce((n, r) => n + r.probesQueued, 0)).toBe(120);
    const jobs = await jobsOf(sent);
    // Default settings on a networked cloud: 3 × 2 s of TCP plus the SSH probe's 23 s fit one wave of 20.
    expect(jobs.map((j) => j.input.machineIds.length)).toEqual([20, 20, 20, 20, 20, 20]);
    expect(jobs.every((j) => j.type === 'machine.probe' && j.input.cloudId === cloud._id)).toBe(true);
    const queued = jobs.flatMap((j) => j.input.machineIds);
    expect(new Set(queued).size).toBe(120);
    expect([...queued].sort()).toEqual(machines.map((m) => m._id).sort());
    const stored = await t.db.collection<AnyDoc>('machines').find({ cloudId: cloud._id }).toArray();
    expect(stored.every((m) => m.nextProbeAt.getTime() === clock.getTime() + 5 * 60_000)).toBe(true);
    const task = await t.db.collection<AnyDoc>('periodic_tasks').findOne({ _id: `probes:${cloud._id}` });
    expect(task).toMatchObject({ lockId: null, failureCount: 0, lastSucceededAt: clock });
  });

  it('queues them again once the interval has passed, not before', async () => {
    const { sent, queue } = recordingQueue();
    minutes(4);
    expect(await enqueueDueProbes({ db: t.db, now, queue })).toBe(0);
    minutes(1);
    expect(await enqueueDueProbes({ db: t.db, now, queue })).toBe(120);
    expect(sent).toHaveLength(6);
  });

  it('leaves out stopped, terminated and missing machines, disabled clouds, and clouds not probing', async () => {
    await freshStart();
    const probing = await insertLoopbackCloud(t.db, orgId, {
      probes: { enabled: true, port: listener.port },
    });
    const [running] = await insertLoopbackMachines(t.db, probing, 1);
    await insertLoopbackMachines(t.db, probing, 1, { state: 'stopped' });
    await insertLoopbackMachines(t.db, probing, 1, { state: 'terminated' });
    await insertLoopbackMachines(t.db, probing, 1, { missingSince: clock });
    const off = await insertLoopbackCloud(t.db, orgId, { probes: { enabled: false } });
    await insertLoopbackMachines(t.db, off, 3);
    const defaults = await insertLoopbackCloud(t.db, orgId);
    await insertLoopbackMachines(t.db, defaults, 3);
    const disabled = await insertLoopbackCloud(t.db, orgId, { enabled: false, probes: { enabled: true } });
    await insertLoopbackMachines(t.db, disabled, 3);

    const { sent, queue } = recordingQueue();
    expect(await enqueueDueProbes({ db: t.db, now, queue })).toBe(1);
    expect((await jobsOf(sent)).flatMap((j) => j.input.machineIds)).toEqual([running!._id]);
  });

  it('asks the database the same question as the pure due rule', async () => {
    const cloud = await insertLoopbackCloud(t.db, orgId);
    const cases = await insertLoopbackMachines(t.db, cloud, 1);
    const variants = [
      { state: 'running', nextProbeAt: null },
      { state: 'running', nextProbeAt: new Date(clock.getTime() - 1) },
      { state: 'running', nextProbeAt: clock },
      { state: 'running', nextProbeAt: new Date(clock.getTime() + 1) },
      { state: 'stopped', nextProbeAt: null },
      { state: 'unknown', nextProbeAt: null },
      { state: 'pending', nextProbeAt: null },
      { state: 'running', nextProbeAt: null, missingSince: clock },
    ] as const;
    const machines = collections(t.db).machines;
    for (const v of variants) {
      await machines.updateOne({ _id: cases[0]!._id }, { $set: { missingSince: null, ...v } as never });
      const doc = await machines.findOne({ _id: cases[0]!._id });
      const matched =
        (await machines.countDocuments({ _id: doc!._id, ...dueProbeFilter(cloud, clock) })) === 1;
      expect(matched, JSON.stringify(v)).toBe(isProbeDue(doc!, clock));
    }
    // A machine that never had nextProbeAt at all is due too.
    await machines.updateOne(
      { _id: cases[0]!._id },
      { $set: { state: 'running', missingSince: null }, $unset: { nextProbeAt: '' } },
    );
    expect(await machines.countDocuments({ _id: cases[0]!._id, ...dueProbeFilter(cloud, clock) })).toBe(1);
  });

  it('probes each queued batch in the worker and records every machine', async () => {
    await freshStart();
    const cloud = await insertLoopbackCloud(t.db, orgId, { probes: { enabled: true, port: listener.port } });
    const machines = await insertLoopbackMachines(t.db, cloud, 60);
    const pipeline = testJobs(() => t.db, now);
    const before = listener.accepted();
    expect(await enqueueDueProbes(pipeline.deps())).toBe(60);
    await pipeline.drain();
    const jobs = await t.db
      .collection<AnyDoc>('jobs')
      .find({ type: 'machine.probe', 'input.cloudId': cloud._id })
      .toArray();
    expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(jobs.map((j) => j.result.reachable)).toEqual([20, 20, 20]);
    const stored = await t.db.collection<AnyDoc>('machines').find({ cloudId: cloud._id }).toArray();
    expect(stored.every((m) => m.probe?.tcp.reachable === true && m.unreachableSince === null)).toBe(true);
    expect(await t.db.collection('probes').countDocuments({ cloudId: cloud._id })).toBe(60);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listener.accepted() - before).toBe(60 * 3);
    // Periodic probes are not audited one by one: only outages beginning or ending are.
    expect(
      await t.db.collection('audit').countDocuments({ 'resource.id': { $in: machines.map((m) => m._id) } }),
    ).toBe(0);
  });

  it('skips a batch whose cloud was deleted, and machines that went missing since they were queued', async () => {
    await freshStart();
    const cloud = await insertLoopbackCloud(t.db, orgId, { probes: { enabled: true, port: listener.port } });
    const [gone, stays] = await insertLoopbackMachines(t.db, cloud, 2);
    const { sent, queue } = recordingQueue();
    const deps = { db: t.db, now, queue };
    const runAll = async () => {
      for (const m of sent.splice(0)) await runJobMessage(deps, JSON.parse(m.body));
    };
    await enqueueDueProbes(deps);
    await t.db
      .collection<AnyDoc>('machines')
      .updateOne({ _id: gone!._id }, { $set: { missingSince: clock } });
    await runAll();
    const job = await t.db.collection<AnyDoc>('jobs').findOne({ 'input.cloudId': cloud._id });
    expect(job!.result).toMatchObject({ probed: 1, skipped: 1 });
    expect((await t.db.collection<AnyDoc>('machines').findOne({ _id: stays!._id }))!.probe).toBeTruthy();
    expect((await t.db.collection<AnyDoc>('machines').findOne({ _id: gone!._id }))!.probe).toBeUndefined();

    minutes(10);
    await enqueueDueProbes(deps);
    await t.db.collection<AnyDoc>('clouds').deleteOne({ _id: cloud._id });
    await runAll();
    const last = await t.db
      .collection<AnyDoc>('jobs')
      .find({ 'input.cloudId': cloud._id })
      .sort({ createdAt: -1 })
      .limit(1)
      .next();
    expect(last).toMatchObject({ status: 'succeeded', result: { skipped: 'the cloud was deleted' } });
  });

  it('never probes a sim cloud over the network: off by default, simulated when enabled', async () => {
    await freshStart();
    const pipeline = testJobs(() => t.db, now);
    const { cloud } = await createCloud(
      pipeline.deps(),
      actor,
      {
        provider: 'sim',
        name: 'sim-probes',
        settings: {
          machines: 6,
          seed: 3,
          transitionMs: 0,
          latencyMs: 0,
          faults: { auth: false, throttleRate: 0, timeoutRate: 0 },
        },
        pollIntervalMinutes: 60,
      },
      'r',
    );
    await pipeline.drain(); // the first poll
    expect(await enqueueDueProbes(pipeline.deps())).toBe(0);

    await t.db
      .collection<AnyDoc>('clouds')
      .updateOne({ _id: cloud.id }, { $set: { probes: { enabled: true } } });
    const running = await t.db
      .collection<AnyDoc>('machines')
      .countDocuments({ cloudId: cloud.id, state: 'running' });
    expect(running).toBeGreaterThan(0);
    expect(await enqueueDueProbes(pipeline.deps())).toBe(running);
    await pipeline.drain();
    const probed = await t.db
      .collection<AnyDoc>('machines')
      .find({ cloudId: cloud.id, probe: { $ne: null } })
      .toArray();
    expect(probed).toHaveLength(running);
    for (const m of probed) {
      expect(m.probe.tcp).toMatchObject({ simulated: true, reachable: true, host: m.publicIps[0] });
      expect(m.publicIps[0]).not.toMatch(/^127\./);
    }
  });
});
