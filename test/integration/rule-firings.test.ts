/**
 * Rules end to end: machine events recorded as the inventory and the probes record them, matched against
 * the org's rules by the real worker, and rule.triggered POSTed, signed, to a receiver on 127.0.0.1 —
 * to the rule's webhooks and no other. Machines go down and up for real (TCP probes of a loopback port)
 * and change state for real (simulator actions and polls). The clock is the test's: a hold of minutes is
 * waited out by moving it and running the tick, never by sleeping.
 */
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.js';
import { runTick } from '../../lib/app/tick.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { CloudDoc, MachineDoc } from '../../lib/db/documents.js';
import { type NewEvent, recordEvents } from '../../lib/events/record.js';
import type { JobDeps } from '../../lib/jobs/jobs.js';
import { NimboEvent } from '../../lib/model/events/event.js';
import { evaluateRules } from '../../lib/rules/evaluate.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { closedLoopbackPort, openLoopbackListener } from '../helpers/loopback.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { insertLoopbackCloud, insertLoopbackMachines } from '../helpers/probe-fixtures.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** Verified as the receiver would at the moment it arrived (the library checks the timestamp's age). */
function verify(secret: string, r: Received): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Number(r.headers['webhook-timestamp']) * 1000);
  try {
    return new Webhook(secret).verify(r.body, r.headers);
  } finally {
    vi.useRealTimers();
  }
}

const MINUTE = 60_000;

describe('rules firing', () => {
  const t = useTestDatabase('rule-firings');
  const T0 = new Date('2026-12-04T10:00:00Z');
  let clock = T0;
  const now = () => clock;
  const deps = (): JobDeps => ({ db: t.db, now, queue });
  const queue: LocalSqsQueue = new LocalSqsQueue({
    name: `test-rules-${process.pid}`,
    db: () => t.db,
    handler: createWorkerHandler(async () => deps()),
    visibilityTimeoutMs: 0,
    maxReceiveCount: 3,
    now: () => clock.getTime(),
  });
  const api = testApi(() => t.db, now, queue);
  let receiver: Server;
  let url: string;
  let received: Received[];
  let owner: string;
  let orgId: string;
  let otherOrg: string;
  let otherOwner: string;
  /** Named by rules: it subscribes to job.failed only. */
  let pager: { id: string; secret: string };
  /** Named by rules too. */
  let second: { id: string; secret: string };
  /** Subscribes to the machine events themselves, and is named by no rule. */
  let watcher: { id: string; secret: string };
  let loopback: CloudDoc;
  let port: number;
  let simCloud: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    ({ token: otherOwner, orgId: otherOrg } = await createTestOrg(t.db));
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}/hooks`;
    const webhook = async (events: string[]) => {
      const res = await api.request('POST', '/v1/webhooks', { token: owner, body: { url, events } });
      expect(res.status).toBe(201);
      return { id: res.body.webhook.id as string, secret: res.body.secret as string };
    };
    pager = await webhook(['job.failed']);
    second = await webhook(['cloud.disabled']);
    watcher = await webhook(['machine.state_changed', 'machine.unreachable']);
    port = await closedLoopbackPort();
    loopback = await insertLoopbackCloud(t.db, orgId, { probes: { port } });
    const sim = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'lab', settings: { machines: 3, transitionMs: 0 } },
    });
    simCloud = sim.body.cloud.id;
    await queue.drain();
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  beforeEach(async () => {
    received = [];
    clock = T0;
    await t.db.collection('rules').deleteMany({});
    await t.db.collection('rule_firings').deleteMany({});
  });

  let named = 0;
  async function rule(body: Record<string, unknown>) {
    const res = await api.request('POST', '/v1/rules', {
      token: owner,
      body: { name: `rule-${++named}`, webhookIds: [pager.id], ...body },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  }

  const machine = async (id: string) =>
    (await t.db.collection<MachineDoc>('machines').findOne({ _id: id })) as MachineDoc;
  const ref = (m: MachineDoc) => ({
    machineId: m._id,
    cloudId: m.cloudId,
    provider: m.provider,
    externalId: m.externalId,
    name: m.name,
    region: m.region,
  });

  /** Records events as their emitters do, and lets the worker run what they queue. */
  async function record(events: NewEvent[]) {
    const docs = await recordEvents(deps(), events);
    await queue.drain();
    return docs;
  }

  const stateChanged = (m: MachineDoc, from: string, to: string, org = orgId): NewEvent => ({
    orgId: org,
    type: 'machine.state_changed',
    data: { ...ref(m), from, to } as NewEvent<'machine.state_changed'>['data'],
  });

  /** A real TCP probe of the machine, with its port open or closed. */
  async function probe(machineId: string, up: boolean) {
    const listener = up ? await openLoopbackListener(port) : null;
    try {
      const res = await api.request('POST', `/v1/machines/${machineId}/probe`, { token: owner });
      expect(res.status).toBe(202);
      await queue.drain();
    } finally {
      await listener?.close();
    }
    return machine(machineId);
  }

  /** Probed down, and machine.unreachable recorded as the probes tell it (since: the first failed probe). */
  async function goesDown(machineId: string) {
    const m = await probe(machineId, false);
    expect(m.unreachableSince).toEqual(clock);
    const [event] = await record([
      {
        orgId,
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
  }

  const at = (minutes: number) => {
    clock = new Date(T0.getTime() + minutes * MINUTE);
  };
  async function tick() {
    const counts = await runTick(deps());
    await queue.drain();
    return counts.rulesFired;
  }
  const triggered = () =>
    received
      .map((r) => ({ r, event: JSON.parse(r.body) as { type: string; data: Record<string, any> } }))
      .filter((x) => x.event.type === 'rule.triggered');
  const firings = (ruleId: string) =>
    t.db.collection<AnyDoc>('rule_firings').find({ ruleId }).sort({ createdAt: 1 }).toArray();

  describe('without forMinutes', () => {
    it("fires at once: a signed rule.triggered to the rule's webhooks only, whatever they subscribe to", async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      const r = await rule({
        event: 'machine.state_changed',
        to: 'stopped',
        webhookIds: [pager.id, second.id],
      });
      const [event] = await record([stateChanged(m!, 'running', 'stopped')]);

      const got = triggered();
      expect(got).toHaveLength(2);
      const signedBy = (h: { secret: string }, r: Received) => {
        try {
          verify(h.secret, r);
          return true;
        } catch {
          return false;
        }
      };
      // One delivery to each named webhook, each signed with its own secret; none to the watcher.
      const signers = got.map((g) =>
        [pager, second, watcher].filter((h) => signedBy(h, g.r)).map((h) => h.id),
      );
      expect(signers.sort()).toEqual([[pager.id], [second.id]].sort());
      const ours = got.find((g) => signedBy(pager, g.r))!;
      expect(NimboEvent.parse(verify(pager.secret, ours.r))).toMatchObject({
        type: 'rule.triggered',
        orgId,
        data: {
          ruleId: r.id,
          name: r.name,
          event: { id: event!._id, type: 'machine.state_changed' },
          machine: ref(m!),
          forMinutes: null,
          heldSince: T0.toISOString(),
        },
      });
      // The watcher gets the machine event it subscribed to, and that only.
      expect(received.map((x) => JSON.parse(x.body).type).sort()).toEqual([
        'machine.state_changed',
        'rule.triggered',
        'rule.triggered',
      ]);
      const view = await api.request('GET', `/v1/rules/${r.id}`, { token: owner });
      expect(view.body.lastFiredAt).toBe(T0.toISOString());
    });

    it('fires nothing for a machine its conditions do not select, a change to another state, or another org', async () => {
      const [picked, other] = await insertLoopbackMachines(t.db, loopback, 2);
      await rule({ event: 'machine.state_changed', to: 'stopped', conditions: { ids: [picked!._id] } });
      await record([
        stateChanged(other!, 'running', 'stopped'),
        stateChanged(picked!, 'stopped', 'running'),
        stateChanged(picked!, 'running', 'stopped', otherOrg),
      ]);
      expect(triggered()).toEqual([]);
      expect(await t.db.collection('rule_firings').countDocuments()).toBe(0);
      // The same rule does fire for the machine it selects, changing to its state.
      await record([stateChanged(picked!, 'running', 'stopped')]);
      expect(triggered().map((g) => g.event.data.machine.machineId)).toEqual([picked!._id]);
    });

    it("skips the rule's disabled webhooks, and fires nothing for a disabled rule", async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      const r = await rule({ event: 'machine.state_changed', webhookIds: [pager.id, second.id] });
      await api.request('PATCH', `/v1/webhooks/${second.id}`, { token: owner, body: { enabled: false } });
      try {
        await record([stateChanged(m!, 'running', 'stopped')]);
        expect(triggered()).toHaveLength(1);
        expect(() => verify(pager.secret, triggered()[0]!.r)).not.toThrow();
        await api.request('PATCH', `/v1/rules/${r.id}`, { token: owner, body: { enabled: false } });
        await record([stateChanged(m!, 'stopped', 'running')]);
        expect(triggered()).toHaveLength(1);
      } finally {
        await api.request('PATCH', `/v1/webhooks/${second.id}`, { token: owner, body: { enabled: true } });
      }
    });

    it('fires once per rule and event, however often the evaluation runs', async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      await rule({ event: 'machine.state_changed' });
      const [event] = await record([stateChanged(m!, 'running', 'stopped')]);
      expect(await evaluateRules(deps(), orgId, [event!])).toMatchObject({ matched: 1, fired: 0 });
      await queue.drain();
      expect(triggered()).toHaveLength(1);
    });

    it('sees a missing machine only for machine.missing', async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1, { missingSince: T0 });
      await rule({ event: 'machine.missing' });
      await rule({ event: 'machine.state_changed' });
      await record([
        { orgId, type: 'machine.missing', data: { ...ref(m!), lastSeenAt: T0.toISOString() } },
        stateChanged(m!, 'running', 'stopped'),
      ]);
      expect(triggered().map((g) => g.event.data.event.type)).toEqual(['machine.missing']);
    });
  });

  describe('unreachable for 5 minutes', () => {
    it('fires nothing at +4 minutes, once at +5, and nothing more on the next tick', async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      const r = await rule({ event: 'machine.unreachable', forMinutes: 5 });
      await goesDown(m!._id);
      expect(triggered()).toEqual([]);
      // Still down at +2: no new event, the outage goes on.
      at(2);
      expect((await probe(m!._id, false)).unreachableSince).toEqual(T0);

      at(4);
      expect(await tick()).toBe(0);
      expect(triggered()).toEqual([]);

      at(5);
      expect(await tick()).toBe(1);
      const got = triggered();
      expect(got).toHaveLength(1);
      expect(verify(pager.secret, got[0]!.r)).toMatchObject({
        data: { ruleId: r.id, forMinutes: 5, heldSince: T0.toISOString(), machine: { machineId: m!._id } },
      });

      at(6);
      expect(await tick()).toBe(0);
      expect(triggered()).toHaveLength(1);
      expect((await firings(r.id)).map((f) => f.status)).toEqual(['fired']);
    });

    it('drops the firing, sending nothing, when the machine is reachable again before it is due', async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      const r = await rule({ event: 'machine.unreachable', forMinutes: 5 });
      await goesDown(m!._id);
      at(3);
      expect((await probe(m!._id, true)).unreachableSince).toBeNull();
      at(5);
      expect(await tick()).toBe(0);
      at(10);
      expect(await tick()).toBe(0);
      expect(triggered()).toEqual([]);
      expect(await firings(r.id)).toMatchObject([
        { status: 'dropped', reason: 'the machine is reachable again' },
      ]);
    });

    it('keeps one pending firing for a flapping machine, counted from its latest outage', async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      const r = await rule({ event: 'machine.unreachable', forMinutes: 5 });
      await goesDown(m!._id);
      at(1);
      await probe(m!._id, true);
      at(2);
      await goesDown(m!._id);
      expect(await t.db.collection('rule_firings').countDocuments({ ruleId: r.id, status: 'pending' })).toBe(
        1,
      );

      at(5);
      expect(await tick()).toBe(0);
      at(7);
      expect(await tick()).toBe(1);
      expect(triggered().map((g) => g.event.data.heldSince)).toEqual([
        new Date(T0.getTime() + 2 * MINUTE).toISOString(),
      ]);
      expect((await firings(r.id)).map((f) => f.status)).toEqual(['dropped', 'fired']);
    });

    it('drops what a rule holds when the rule is disabled or its conditions stop selecting the machine', async () => {
      const [a, b] = await insertLoopbackMachines(t.db, loopback, 2);
      const off = await rule({ event: 'machine.unreachable', forMinutes: 5, conditions: { ids: [a!._id] } });
      const narrowed = await rule({
        event: 'machine.unreachable',
        forMinutes: 5,
        conditions: { ids: [b!._id] },
      });
      await goesDown(a!._id);
      await goesDown(b!._id);
      await api.request('PATCH', `/v1/rules/${off.id}`, { token: owner, body: { enabled: false } });
      await api.request('PATCH', `/v1/rules/${narrowed.id}`, {
        token: owner,
        body: { conditions: { ids: [a!._id] } },
      });
      at(5);
      expect(await tick()).toBe(0);
      expect(triggered()).toEqual([]);
      expect(await firings(off.id)).toMatchObject([{ status: 'dropped', reason: 'the rule was disabled' }]);
      expect(await firings(narrowed.id)).toMatchObject([
        { status: 'dropped', reason: "the rule's conditions no longer select the machine" },
      ]);
    });

    it('never fires a deleted rule', async () => {
      const [m] = await insertLoopbackMachines(t.db, loopback, 1);
      const r = await rule({ event: 'machine.unreachable', forMinutes: 5 });
      await goesDown(m!._id);
      expect((await api.request('DELETE', `/v1/rules/${r.id}`, { token: owner })).status).toBe(204);
      at(5);
      expect(await tick()).toBe(0);
      expect(triggered()).toEqual([]);
      expect(await firings(r.id)).toEqual([]);
    });
  });

  describe('stopped for 10 minutes', () => {
    async function act(machineId: string, action: 'stop' | 'start') {
      const before = await machine(machineId);
      const res = await api.request('POST', `/v1/machines/${machineId}/actions/${action}`, { token: owner });
      expect(res.status).toBe(202);
      await queue.drain();
      expect((await api.request('POST', `/v1/clouds/${simCloud}/poll`, { token: owner })).status).toBe(202);
      await queue.drain();
      const after = await machine(machineId);
      expect(after.state).toBe(action === 'stop' ? 'stopped' : 'running');
      await record([stateChanged(after, before.state, after.state)]);
    }

    async function runningSimMachine() {
      const m = await t.db
        .collection<MachineDoc>('machines')
        .findOne({ cloudId: simCloud, state: 'running' });
      expect(m).not.toBeNull();
      return m!;
    }

    it('fires when the machine is still stopped 10 minutes after it stopped', async () => {
      const m = await runningSimMachine();
      const r = await rule({ event: 'machine.state_changed', to: 'stopped', forMinutes: 10 });
      await act(m._id, 'stop');
      at(9);
      expect(await tick()).toBe(0);
      at(10);
      expect(await tick()).toBe(1);
      expect(triggered()).toHaveLength(1);
      expect(triggered()[0]!.event.data).toMatchObject({
        ruleId: r.id,
        event: { type: 'machine.state_changed' },
        forMinutes: 10,
      });
      at(0);
      await act(m._id, 'start');
    });

    it('drops the firing when the machine was started again before', async () => {
      const m = await runningSimMachine();
      const r = await rule({ event: 'machine.state_changed', to: 'stopped', forMinutes: 10 });
      await act(m._id, 'stop');
      at(4);
      await act(m._id, 'start');
      at(10);
      expect(await tick()).toBe(0);
      expect(triggered()).toEqual([]);
      expect(await firings(r.id)).toMatchObject([
        { status: 'dropped', reason: 'the machine is running now, no longer stopped' },
      ]);
    });
  });

  it("answers another org's owner 404 for this org's rule, and fires none of its rules", async () => {
    const [m] = await insertLoopbackMachines(t.db, loopback, 1);
    const r = await rule({ event: 'machine.state_changed' });
    expect((await api.request('GET', `/v1/rules/${r.id}`, { token: otherOwner })).status).toBe(404);
    await record([stateChanged(m!, 'running', 'stopped', otherOrg)]);
    expect(triggered()).toEqual([]);
  });
});
