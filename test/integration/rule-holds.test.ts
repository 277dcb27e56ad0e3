/**
 * Rules with forMinutes, end to end: "unreachable for 5 minutes" with machines probed for real over TCP,
 * "stopped for 10 minutes" with simulator machines stopped and started for real. The tick fires a due
 * firing once if its situation held, and drops it (sending nothing) if it did not. The clock is the
 * test's: minutes pass by moving it, never by sleeping.
 */
import { describe, expect, it } from 'vitest';
import type { MachineDoc } from '../../lib/db/documents.js';
import { useRuleWorld, verify } from '../helpers/rule-world.js';

describe('rules holding for minutes', () => {
  const w = useRuleWorld('rule-holds');
  const pending = (ruleId: string) =>
    w.t.db.collection('rule_firings').countDocuments({ ruleId, status: 'pending' });

  describe('unreachable for 5 minutes', () => {
    it('fires nothing at +4 minutes, once at +5, and nothing more on the next tick', async () => {
      const [m] = await w.loopbackMachines(1);
      const r = await w.rule({ event: 'machine.unreachable', forMinutes: 5 });
      await w.goesDown(m!._id);
      expect(w.triggered()).toEqual([]);
      expect(await pending(r.id)).toBe(1);
      // Still down at +2: no new event, the outage goes on.
      w.at(2);
      expect((await w.probe(m!._id, false)).unreachableSince).toEqual(w.t0);

      w.at(4);
      expect(await w.tick()).toBe(0);
      expect(w.triggered()).toEqual([]);

      w.at(5);
      expect(await w.tick()).toBe(1);
      const got = w.triggered();
      expect(got).toHaveLength(1);
      expect(verify(w.pager.secret, got[0]!.r)).toMatchObject({
        data: { ruleId: r.id, forMinutes: 5, heldSince: w.t0.toISOString(), machine: { machineId: m!._id } },
      });

      w.at(6);
      expect(await w.tick()).toBe(0);
      expect(w.triggered()).toHaveLength(1);
      expect((await w.firings(r.id)).map((f) => f.status)).toEqual(['fired']);
    });

    it('drops the firing, sending nothing, when the machine is reachable again before it is due', async () => {
      const [m] = await w.loopbackMachines(1);
      const r = await w.rule({ event: 'machine.unreachable', forMinutes: 5 });
      await w.goesDown(m!._id);
      w.at(3);
      expect((await w.probe(m!._id, true)).unreachableSince).toBeNull();
      w.at(5);
      expect(await w.tick()).toBe(0);
      w.at(10);
      expect(await w.tick()).toBe(0);
      expect(w.triggered()).toEqual([]);
      expect(await w.firings(r.id)).toMatchObject([
        { status: 'dropped', reason: 'the machine is reachable again' },
      ]);
    });

    it('keeps one pending firing for a flapping machine, counted from its latest outage', async () => {
      const [m] = await w.loopbackMachines(1);
      const r = await w.rule({ event: 'machine.unreachable', forMinutes: 5 });
      await w.goesDown(m!._id);
      w.at(1);
      await w.probe(m!._id, true);
      const secondOutage = w.at(2);
      await w.goesDown(m!._id);
      expect(await pending(r.id)).toBe(1);

      w.at(5);
      expect(await w.tick()).toBe(0);
      w.at(7);
      expect(await w.tick()).toBe(1);
      expect(w.triggered().map((g) => g.event.data.heldSince)).toEqual([secondOutage.toISOString()]);
      expect((await w.firings(r.id)).map((f) => f.status)).toEqual(['dropped', 'fired']);
    });

    it('drops what a rule holds when it is disabled, or when its conditions stop selecting the machine', async () => {
      const [a, b] = await w.loopbackMachines(2);
      const off = await w.rule({
        event: 'machine.unreachable',
        forMinutes: 5,
        conditions: { ids: [a!._id] },
      });
      const narrowed = await w.rule({
        event: 'machine.unreachable',
        forMinutes: 5,
        conditions: { ids: [b!._id] },
      });
      await w.goesDown(a!._id);
      await w.goesDown(b!._id);
      const patch = (id: string, body: unknown) =>
        w.api.request('PATCH', `/v1/rules/${id}`, { token: w.owner, body });
      await patch(off.id, { enabled: false });
      await patch(narrowed.id, { conditions: { ids: [a!._id] } });
      w.at(5);
      expect(await w.tick()).toBe(0);
      expect(w.triggered()).toEqual([]);
      expect(await w.firings(off.id)).toMatchObject([{ status: 'dropped', reason: 'the rule was disabled' }]);
      expect(await w.firings(narrowed.id)).toMatchObject([
        { status: 'dropped', reason: "the rule's conditions no longer select the machine" },
      ]);
    });

    it('never fires a deleted rule', async () => {
      const [m] = await w.loopbackMachines(1);
      const r = await w.rule({ event: 'machine.unreachable', forMinutes: 5 });
      await w.goesDown(m!._id);
      expect((await w.api.request('DELETE', `/v1/rules/${r.id}`, { token: w.owner })).status).toBe(204);
      w.at(5);
      expect(await w.tick()).toBe(0);
      expect(w.triggered()).toEqual([]);
      expect(await w.firings(r.id)).toEqual([]);
    });
  });

  describe('stopped for 10 minutes', () => {
    async function runningSimMachine(): Promise<MachineDoc> {
      const m = await w.t.db
        .collection<MachineDoc>('machines')
        .findOne({ cloudId: w.simCloud, state: 'running' });
      expect(m).not.toBeNull();
      return m!;
    }

    it('fires when the machine is still stopped 10 minutes after it stopped', async () => {
      const m = await runningSimMachine();
      const r = await w.rule({ event: 'machine.state_changed', to: 'stopped', forMinutes: 10 });
      await w.act(m._id, 'stop');
      w.at(9);
      expect(await w.tick()).toBe(0);
      w.at(10);
      expect(await w.tick()).toBe(1);
      expect(w.triggered().map((g) => g.event.data)).toMatchObject([
        { ruleId: r.id, event: { type: 'machine.state_changed' }, forMinutes: 10 },
      ]);
      await w.act(m._id, 'start');
    });

    it('drops the firing when the machine was started again before', async () => {
      const m = await runningSimMachine();
      const r = await w.rule({ event: 'machine.state_changed', to: 'stopped', forMinutes: 10 });
      await w.act(m._id, 'stop');
      w.at(4);
      await w.act(m._id, 'start');
      w.at(10);
      expect(await w.tick()).toBe(0);
      expect(w.triggered()).toEqual([]);
      expect(await w.firings(r.id)).toMatchObject([
        { status: 'dropped', reason: 'the machine is running now, no longer stopped' },
      ]);
    });
  });
});
