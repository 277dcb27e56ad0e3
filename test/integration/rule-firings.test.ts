/**
 * Rules without forMinutes, end to end: machine events recorded as their emitters record them, matched by
 * the real worker against the org's rules, and rule.triggered POSTed, signed, to a receiver on 127.0.0.1 —
 * to the rule's webhooks and no other, whatever they subscribe to.
 */
import { describe, expect, it } from 'vitest';
import { NimboEvent } from '../../lib/model/events/event.js';
import { evaluateRules } from '../../lib/rules/evaluate.js';
import { ref, signedBy, useRuleWorld, verify } from '../helpers/rule-world.js';

describe('rules firing at once', () => {
  const w = useRuleWorld('rule-firings');

  it("sends a signed rule.triggered to the rule's webhooks only, whatever they subscribe to", async () => {
    const [m] = await w.loopbackMachines(1);
    const r = await w.rule({
      event: 'machine.state_changed',
      to: 'stopped',
      webhookIds: [w.pager.id, w.second.id],
    });
    const [event] = await w.record([w.stateChanged(m!, 'running', 'stopped')]);

    const got = w.triggered();
    // One delivery to each named webhook, each signed with its own secret; none to the watcher.
    const signers = got.map((g) =>
      [w.pager, w.second, w.watcher].filter((h) => signedBy(h, g.r)).map((h) => h.id),
    );
    expect(signers.sort()).toEqual([[w.pager.id], [w.second.id]].sort());
    const ours = got.find((g) => signedBy(w.pager, g.r))!;
    expect(NimboEvent.parse(verify(w.pager.secret, ours.r))).toMatchObject({
      type: 'rule.triggered',
      orgId: w.orgId,
      data: {
        ruleId: r.id,
        name: r.name,
        event: { id: event!._id, type: 'machine.state_changed' },
        machine: ref(m!),
        forMinutes: null,
        heldSince: w.t0.toISOString(),
      },
    });
    // The watcher gets the machine event it subscribed to, and that only.
    expect(w.received.map((x) => JSON.parse(x.body).type).sort()).toEqual([
      'machine.state_changed',
      'rule.triggered',
      'rule.triggered',
    ]);
    const view = await w.api.request('GET', `/v1/rules/${r.id}`, { token: w.owner });
    expect(view.body.lastFiredAt).toBe(w.t0.toISOString());
  });

  it('fires nothing for a machine its conditions do not select, a change to another state, or another org', async () => {
    const [picked, other] = await w.loopbackMachines(2);
    await w.rule({ event: 'machine.state_changed', to: 'stopped', conditions: { ids: [picked!._id] } });
    await w.record([
      w.stateChanged(other!, 'running', 'stopped'),
      w.stateChanged(picked!, 'stopped', 'running'),
      w.stateChanged(picked!, 'running', 'stopped', w.otherOrg),
    ]);
    expect(w.triggered()).toEqual([]);
    expect(await w.t.db.collection('rule_firings').countDocuments()).toBe(0);
    // The same rule does fire for the machine it selects, changing to its state.
    await w.record([w.stateChanged(picked!, 'running', 'stopped')]);
    expect(w.triggered().map((g) => g.event.data.machine.machineId)).toEqual([picked!._id]);
  });

  it("skips the rule's disabled webhooks, and fires nothing for a disabled rule", async () => {
    const [m] = await w.loopbackMachines(1);
    const r = await w.rule({ event: 'machine.state_changed', webhookIds: [w.pager.id, w.second.id] });
    const patch = (path: string, body: unknown) => w.api.request('PATCH', path, { token: w.owner, body });
    await patch(`/v1/webhooks/${w.second.id}`, { enabled: false });
    try {
      await w.record([w.stateChanged(m!, 'running', 'stopped')]);
      expect(w.triggered()).toHaveLength(1);
      expect(signedBy(w.pager, w.triggered()[0]!.r)).toBe(true);
      await patch(`/v1/rules/${r.id}`, { enabled: false });
      await w.record([w.stateChanged(m!, 'stopped', 'running')]);
      expect(w.triggered()).toHaveLength(1);
    } finally {
      await patch(`/v1/webhooks/${w.second.id}`, { enabled: true });
    }
  });

  it('fires once per rule and event, however often the evaluation runs', async () => {
    const [m] = await w.loopbackMachines(1);
    await w.rule({ event: 'machine.state_changed' });
    const [event] = await w.record([w.stateChanged(m!, 'running', 'stopped')]);
    expect(await evaluateRules(w.deps(), w.orgId, [event!])).toMatchObject({ matched: 1, fired: 0 });
    await w.record([]);
    expect(w.triggered()).toHaveLength(1);
  });

  it('sees a missing machine only for machine.missing', async () => {
    const [m] = await w.loopbackMachines(1, { missingSince: w.t0 });
    await w.rule({ event: 'machine.missing' });
    await w.rule({ event: 'machine.state_changed' });
    await w.record([
      { orgId: w.orgId, type: 'machine.missing', data: { ...ref(m!), lastSeenAt: w.t0.toISOString() } },
      w.stateChanged(m!, 'running', 'stopped'),
    ]);
    expect(w.triggered().map((g) => g.event.data.event.type)).toEqual(['machine.missing']);
  });

  it("answers another org's owner 404 for this org's rule, and fires none of its rules for that org", async () => {
    const [m] = await w.loopbackMachines(1);
    const r = await w.rule({ event: 'machine.state_changed' });
    expect((await w.api.request('GET', `/v1/rules/${r.id}`, { token: w.otherOwner })).status).toBe(404);
    await w.record([w.stateChanged(m!, 'running', 'stopped', w.otherOrg)]);
    expect(w.triggered()).toEqual([]);
  });
});
