/**
 * The world rule tests run in: an org (and another), webhooks pointing at a receiver on 127.0.0.1, a cloud
 * of loopback machines probed for real over TCP, a simulator cloud whose machines stop and start for real,
 * the real worker behind a local queue, and the test's clock. Machine events are recorded as their
 * emitters (the inventory, the probes) record them.
 */
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, expect, vi } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.js';
import { runTick } from '../../lib/app/tick.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc, MachineDoc } from '../../lib/db/documents.js';
import { type NewEvent, recordEvents } from '../../lib/events/record.js';
import type { JobDeps } from '../../lib/jobs/jobs.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { createTestOrg, testApi } from './api.js';
import { closedLoopbackPort, openLoopbackListener } from './loopback.js';
import { type AnyDoc, useTestDatabase } from './mongo.js';
import { insertLoopbackCloud, insertLoopbackMachines } from './probe-fixtures.js';

export interface Received {
  headers: Record<string, string>;
  body: string;
}

export interface Hook {
  id: string;
  secret: string;
}

/** Verified as the receiver would at the moment it arrived (the library checks the timestamp's age). */
export function verify(secret: string, r: Received): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Number(r.headers['webhook-timestamp']) * 1000);
  try {
    return new Webhook(secret).verify(r.body, r.headers);
  } finally {
    vi.useRealTimers();
  }
}

export function signedBy(hook: Hook, r: Received): boolean {
  try {
    verify(hook.secret, r);
    return true;
  } catch {
    return false;
  }
}

const START = new Date('2026-12-04T10:00:00Z');
const MINUTE = 60_000;
/** Each test starts this long after the last one's clock: time never runs backwards for leases and delays. */
const BETWEEN_TESTS_MS = 3_600_000;

export const ref = (m: MachineDoc) => ({
  machineId: m._id,
  cloudId: m.cloudId,
  provider: m.provider,
  externalId: m.externalId,
  name: m.name,
  region: m.region,
});

/** Registers the world's hooks in the calling describe block; each test starts at its own t0, with no rules. */
export function useRuleWorld(prefix: string) {
  const t = useTestDatabase(prefix);
  let clock = START;
  let t0 = START;
  const now = () => clock;
  const deps = (): JobDeps => ({ db: t.db, now, queue });
  const queue: LocalSqsQueue = new LocalSqsQueue({
    name: `test-${prefix}-${process.pid}`,
    db: () => t.db,
    handler: createWorkerHandler(async () => deps()),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
    now: () => clock.getTime(),
  });
  const api = testApi(() => t.db, now, queue);
  let receiver: Server;
  let port: number;
  const w = {
    t,
    /** When the current test starts. */
    get t0() {
      return t0;
    },
    api,
    deps,
    received: [] as Received[],
    owner: '',
    orgId: '',
    otherOwner: '',
    otherOrg: '',
    /** Named by rules; subscribes to job.failed only. */
    pager: { id: '', secret: '' } as Hook,
    /** Named by rules too; subscribes to cloud.disabled only. */
    second: { id: '', secret: '' } as Hook,
    /** Subscribes to the machine events themselves; named by no rule. */
    watcher: { id: '', secret: '' } as Hook,
    loopback: undefined as unknown as CloudDoc,
    simCloud: '',
  };

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: w.owner, orgId: w.orgId } = await createTestOrg(t.db));
    ({ token: w.otherOwner, orgId: w.otherOrg } = await createTestOrg(t.db));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        w.received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const url = `http://127.0.0.1:${address.port}/hooks`;
    const webhook = async (events: string[]): Promise<Hook> => {
      const res = await api.request('POST', '/v1/webhooks', { token: w.owner, body: { url, events } });
      expect(res.status).toBe(201);
      return { id: res.body.webhook.id, secret: res.body.secret };
    };
    w.pager = await webhook(['job.failed']);
    w.second = await webhook(['cloud.disabled']);
    w.watcher = await webhook(['machine.state_changed', 'machine.unreachable']);
    port = await closedLoopbackPort();
    w.loopback = await insertLoopbackCloud(t.db, w.orgId, { probes: { port } });
    const sim = await api.request('POST', '/v1/clouds', {
      token: w.owner,
      body: { provider: 'sim', name: 'lab', settings: { machines: 3, transitionMs: 0 } },
    });
    w.simCloud = sim.body.cloud.id;
    await queue.drain();
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  beforeEach(async () => {
    w.received.length = 0;
    t0 = new Date(clock.getTime() + BETWEEN_TESTS_MS);
    clock = t0;
    await t.db.collection('rules').deleteMany({});
    await t.db.collection('rule_firings').deleteMany({});
  });

  let named = 0;
  const machine = async (id: string) =>
    (await t.db.collection<MachineDoc>('machines').findOne({ _id: id })) as MachineDoc;

  /** Records events as their emitters do, and lets the worker run what they queue. */
  async function record(events: NewEvent[]) {
    const docs = await recordEvents(deps(), events);
    await queue.drain();
    return docs;
  }

  /** A real TCP probe of the machine, its port open or closed. */
  async function probe(machineId: string, up: boolean) {
    const listener = up ? await openLoopbackListener(port) : null;
    try {
      const res = await api.request('POST', `/v1/machines/${machineId}/probe`, { token: w.owner });
      expect(res.status).toBe(202);
      await queue.drain();
    } finally {
      await listener?.close();
    }
    return machine(machineId);
  }

  const stateChanged = (m: MachineDoc, from: string, to: string, org = w.orgId): NewEvent => ({
    orgId: org,
    type: 'machine.state_changed',
    data: { ...ref(m), from, to } as NewEvent<'machine.state_changed'>['data'],
  });

  return Object.assign(w, {
    /** A rule of the org, named uniquely, for the pager unless told otherwise. */
    async rule(body: Record<string, unknown>) {
      const res = await api.request('POST', '/v1/rules', {
        token: w.owner,
        body: { name: `rule-${++named}`, webhookIds: [w.pager.id], ...body },
      });
      expect(res.status).toBe(201);
      return res.body as { id: string; name: string };
    },
    machine,
    loopbackMachines: (count: number, over: Partial<MachineDoc> = {}) =>
      insertLoopbackMachines(t.db, w.loopback, count, over),
    record,
    stateChanged,
    probe,
    /** Probed down, and machine.unreachable recorded as the probes tell it (since: the first failed probe). */
    async goesDown(machineId: string) {
      const m = await probe(machineId, false);
      expect(m.unreachableSince).toEqual(clock);
      const [event] = await record([
        {
          orgId: w.orgId,
          type: 'machine.unreachable',
          data: {
            ...ref(m),
            since: m.unreachableSince!.toISOString(),
            failedProbes: 1,
            error: { code: 'unreachable', message: 'connection refused' },
          },
        },
      ]);
      return event!;
    },
    /** A simulator machine stopped or started through the API and polled, and its state change recorded. */
    async act(machineId: string, action: 'stop' | 'start') {
      const before = await machine(machineId);
      const res = await api.request('POST', `/v1/machines/${machineId}/actions/${action}`, {
        token: w.owner,
      });
      expect(res.status).toBe(202);
      await queue.drain();
      const poll = await api.request('POST', `/v1/clouds/${w.simCloud}/poll`, { token: w.owner });
      expect(poll.status).toBe(202);
      await queue.drain();
      const after = await machine(machineId);
      expect(after.state).toBe(action === 'stop' ? 'stopped' : 'running');
      await record([stateChanged(after, before.state, after.state)]);
    },
    /** The clock at the test's t0 + minutes. */
    at(minutes: number) {
      clock = new Date(t0.getTime() + minutes * MINUTE);
      return clock;
    },
    /** One tick and what it queued; answers how many rule firings it fired. */
    async tick() {
      const counts = await runTick(deps());
      await queue.drain();
      return counts.rulesFired;
    },
    /** The rule.triggered deliveries received, parsed. */
    triggered: () =>
      w.received
        .map((r) => ({ r, event: JSON.parse(r.body) as { type: string; data: Record<string, any> } }))
        .filter((x) => x.event.type === 'rule.triggered'),
    firings: (ruleId: string) =>
      t.db.collection<AnyDoc>('rule_firings').find({ ruleId }).sort({ createdAt: 1 }).toArray(),
  });
}
