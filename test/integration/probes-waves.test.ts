import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { runJobMessage } from '../../lib/app/job-runner.js';
import { collections, ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc, JobDoc, MachineDoc } from '../../lib/db/documents.js';
import { enqueueJobs } from '../../lib/jobs/jobs.js';
import type { SystemActor } from '../../lib/model/actor.js';
import { probeJob, runProbeJob } from '../../lib/probes/probes.js';
import { createTestOrg } from '../helpers/api.js';
import { recordingQueue } from '../helpers/jobs.js';
import {
  closedLoopbackPort,
  type LoopbackListener,
  openLoopbackListener,
  openUnansweringListener,
} from '../helpers/loopback.js';
import { useTestDatabase } from '../helpers/mongo.js';
import { insertLoopbackCloud, insertLoopbackMachines } from '../helpers/probe-fixtures.js';

/** Probe jobs record wave by wave, so a job cut off keeps what it measured, and a job run again records once. */
describe('probe jobs, wave by wave', () => {
  const t = useTestDatabase('probes_waves');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  let orgId: string;
  let actor: SystemActor;
  let listener: LoopbackListener;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ orgId } = await createTestOrg(t.db));
    actor = { type: 'system', orgId, name: 'tick' };
    listener = await openLoopbackListener();
  });
  afterAll(() => listener.close());

  /** Machines that each probe their own port (their registered SSH port: the cloud sets none). */
  async function machinesOn(cloud: CloudDoc, count: number, port: number): Promise<MachineDoc[]> {
    return insertLoopbackMachines(t.db, cloud, count, { extra: { sshPort: port } });
  }

  /** A queued probe job for these machines, in this order, and its message. */
  async function queueJob(cloud: CloudDoc, machines: MachineDoc[]) {
    const { sent, queue } = recordingQueue();
    await enqueueJobs({ db: t.db, now, queue }, actor, [
      probeJob(
        cloud._id,
        machines.map((m) => m._id),
      ),
    ]);
    const message = JSON.parse(sent[0]!.body);
    const job = (await collections(t.db).jobs.findOne({ _id: message.jobId })) as JobDoc;
    return { job, message };
  }

  const historyOf = (cloud: CloudDoc) => collections(t.db).probes.find({ cloudId: cloud._id }).toArray();

  it('stores the first wave while a later one is still timing out: a job cut off then keeps it', async () => {
    const silent = await openUnansweringListener();
    try {
      const cloud = await insertLoopbackCloud(t.db, orgId, { probes: { attempts: 1, timeoutMs: 1_500 } });
      const first = await machinesOn(cloud, 20, listener.port);
      const hanging = await machinesOn(cloud, 5, silent.port);
      const { message } = await queueJob(cloud, [...first, ...hanging]);
      let finished = false;
      const run = runJobMessage({ db: t.db, now }, message).then((outcome) => {
        finished = true;
        return outcome;
      });
      // The second wave hangs for 1.5 s; the first is written well before (a worker killed now keeps it).
      await vi.waitFor(async () => expect(await historyOf(cloud)).toHaveLength(20), {
        timeout: 1_200,
        interval: 20,
      });
      expect(finished).toBe(false);
      const midway = await collections(t.db).machines.find({ cloudId: cloud._id }).toArray();
      const probed = midway.filter((m) => m.probe);
      expect(probed.map((m) => m._id).sort()).toEqual(first.map((m) => m._id).sort());
      expect(probed.every((m) => m.probe!.tcp.reachable)).toBe(true);

      expect(await run).toBe('done');
      const job = await collections(t.db).jobs.findOne({ _id: message.jobId });
      expect(job).toMatchObject({
        status: 'succeeded',
        result: { probed: 25, reachable: 20, unreachable: 5, skipped: 0 },
      });
      const history = await historyOf(cloud);
      expect(history).toHaveLength(25);
      const lost = history.filter((p: any) => !p.result.reachable);
      expect(lost.map((p) => p.machineId).sort()).toEqual(hanging.map((m) => m._id).sort());
      expect(lost.every((p: any) => p.result.error === 'timed out after 1500 ms')).toBe(true);
    } finally {
      silent.close();
    }
  });

  it('starts no wave that would outlast the time the worker has left, and says how many it deferred', async () => {
    const cloud = await insertLoopbackCloud(t.db, orgId, { probes: { port: listener.port } });
    const machines = await insertLoopbackMachines(t.db, cloud, 25);
    const { job } = await queueJob(cloud, machines);
    // Default settings: a wave may take 29 s (+2 s of writes); 60 s left for the first, then 10 s.
    const left = [60_000, 10_000];
    const result = await runProbeJob({ db: t.db, now, remainingTimeMs: () => left.shift() ?? 0 }, job);
    expect(result).toMatchObject({ probed: 20, reachable: 20, deferred: 5, skipped: 0 });
    expect(await historyOf(cloud)).toHaveLength(20);
    const unprobed = await collections(t.db).machines.find({ cloudId: cloud._id, probe: null }).toArray();
    expect(unprobed.map((m) => m._id).sort()).toEqual(
      machines
        .slice(20)
        .map((m) => m._id)
        .sort(),
    );
  });

  it('records each machine once when a job runs again (a redelivery): only the ones it had not reached', async () => {
    const closed = await closedLoopbackPort();
    // Its own listener: connections of the other tests' jobs (still running in the background) must not count.
    const own = await openLoopbackListener();
    onTestFinished(() => own.close());
    const cloud = await insertLoopbackCloud(t.db, orgId);
    const up = await machinesOn(cloud, 22, own.port);
    const [down] = await machinesOn(cloud, 1, closed);
    const { job } = await queueJob(cloud, [down!, ...up]);
    // The first run is cut off after its first wave (21 machines left unprobed but 1).
    const left = [60_000, 0];
    const first = await runProbeJob({ db: t.db, now, remainingTimeMs: () => left.shift() ?? 0 }, job);
    expect(first).toMatchObject({ probed: 20, reachable: 19, unreachable: 1, deferred: 3 });
    const firstAt = clock;

    clock = new Date(clock.getTime() + 60_000);
    // The listener may see the first run's connections a little after the probes did: let them all land.
    await vi.waitFor(() => expect(own.accepted()).toBe(19 * 3));
    const accepted = own.accepted();
    const again = await runProbeJob({ db: t.db, now }, job);
    expect(again).toMatchObject({ probed: 3, reachable: 3, alreadyRecorded: 20, skipped: 0 });
    expect(again).not.toHaveProperty('deferred');
    await vi.waitFor(() => expect(own.accepted() - accepted).toBe(3 * 3));

    const third = await runProbeJob({ db: t.db, now }, job);
    expect(third).toMatchObject({ probed: 0, alreadyRecorded: 23, skipped: 0 });

    const history = await historyOf(cloud);
    expect(history).toHaveLength(23);
    expect(new Set(history.map((p) => p.machineId)).size).toBe(23);
    const stored = await collections(t.db).machines.findOne({ _id: down!._id });
    expect(stored?.probe?.at).toEqual(firstAt);
    expect(stored?.unreachableSince).toEqual(firstAt);
    // The outage began once, however many times the job ran.
    expect(
      await collections(t.db).audit.countDocuments({
        action: 'machine.unreachable',
        'resource.id': down!._id,
      }),
    ).toBe(1);
  });
});
