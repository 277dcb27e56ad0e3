import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotCollection, takeDueSnapshots } from '../../lib/costs/snapshots.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { MachineDoc } from '../../lib/db/documents.js';
import { claimDueSchedules } from '../../lib/schedules/runs.js';
import { scheduleCollections } from '../../lib/schedules/store.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { useTestDatabase } from '../helpers/mongo.js';

let seq = 0;
function machine(orgId: string, over: Partial<MachineDoc> & { team?: string; env?: string }): MachineDoc {
  const { team, env, ...rest } = over;
  const at = new Date('2026-05-01T00:00:00Z');
  const tags = [...(team ? [{ k: 'team', v: team }] : []), ...(env ? [{ k: 'env', v: env }] : [])];
  const provider = rest.provider ?? 'sim';
  const hourlyCost = rest.hourlyCost === undefined ? 0.1 : rest.hourlyCost;
  return {
    _id: `machine_cost${++seq}`,
    orgId,
    cloudId: 'cloud_a',
    provider,
    externalId: `ext-${seq}`,
    name: `m-${seq}`,
    state: 'running',
    region: 'eu-west-1',
    location: null,
    size: 'small',
    image: null,
    publicIps: [],
    privateIps: [],
    tags,
    launchedAt: null,
    hourlyCost,
    price:
      hourlyCost === null
        ? { currency: null, source: null, reason: 'no price' }
        : { currency: provider === 'hetzner' ? 'EUR' : 'USD', source: 'sim-catalog', reason: null },
    actions: {
      start: rest.state === 'stopped',
      stop: rest.state !== 'stopped',
      reboot: true,
      destroy: true,
    } as MachineDoc['actions'],
    extra: {},
    firstSeenAt: at,
    lastSeenAt: at,
    missingSince: null,
    updatedAt: at,
    ...rest,
  };
}

const HOUR = 3_600_000;

/** Independent of the code under test: hour by hour, off between a weekday 20:00 stop and the next weekday 08:00 start (UTC). */
function bruteForceNightlyOffHours(from: Date, hours: number): number {
  let off = 0;
  let stopped = false;
  for (let h = 0; h < hours; h++) {
    const t = new Date(from.getTime() + h * HOUR);
    const weekday = t.getUTCDay() >= 1 && t.getUTCDay() <= 5;
    if (weekday && t.getUTCHours() === 20 && t.getUTCMinutes() === 0) stopped = true;
    if (weekday && t.getUTCHours() === 8 && t.getUTCMinutes() === 0) stopped = false;
    if (stopped) off++;
  }
  return off;
}

describe('costs API', () => {
  const t = useTestDatabase('costs');
  // A Monday, on the hour.
  let clock = new Date('2026-05-04T10:00:00Z');
  const now = () => clock;
  const jobs = testJobs(() => t.db, now);
  const request = testApi(() => t.db, now, jobs.queue).request;
  let owner: string;
  let orgId: string;
  let stranger: string;
  let fleet: MachineDoc[];

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
    let strangerOrg: string;
    ({ token: stranger, orgId: strangerOrg } = await createTestOrg(t.db));
    fleet = [
      machine(orgId, {
        provider: 'aws',
        region: 'us-east-1',
        size: 't3.micro',
        hourlyCost: 0.0104,
        team: 'web',
        env: 'dev',
      }),
      machine(orgId, {
        provider: 'aws',
        region: 'us-east-1',
        size: 'm5.large',
        hourlyCost: 0.096,
        team: 'web',
        env: 'dev',
      }),
      machine(orgId, {
        provider: 'aws',
        region: 'eu-west-1',
        size: 'm5.large',
        hourlyCost: 0.107,
        team: 'data',
      }),
      machine(orgId, { provider: 'sim', cloudId: 'cloud_b', size: 'small', hourlyCost: 0.02, env: 'dev' }),
      machine(orgId, {
        provider: 'gcp',
        cloudId: 'cloud_c',
        region: 'europe-west1',
        size: 'e2-small',
        hourlyCost: null,
        team: 'data',
      }),
      // Not counted by default: stopped, or missing.
      machine(orgId, {
        provider: 'aws',
        region: 'us-east-1',
        size: 'm5.large',
        hourlyCost: 0.096,
        state: 'stopped',
        team: 'web',
        env: 'dev',
      }),
      machine(orgId, {
        provider: 'aws',
        size: 'm5.large',
        hourlyCost: 0.096,
        missingSince: new Date('2026-05-02T00:00:00Z'),
      }),
      // Another org's machine: never in this org's figures.
      machine(strangerOrg, { provider: 'aws', size: 'x', hourlyCost: 50, team: 'web', env: 'dev' }),
    ];
    await t.db.collection<MachineDoc>('machines').insertMany(fleet);
  });

  const get = (path: string, token = owner) => request('GET', path, { token });
  const counted = () => fleet.filter((m) => m.orgId === orgId && m.state === 'running' && !m.missingSince);
  const sum = (ms: MachineDoc[]) => ms.reduce((s, m) => s + (m.hourlyCost ?? 0), 0);

  it('totals the running fleet, and every grouping sums to the total', async () => {
    const expected = sum(counted());
    for (const groupBy of ['provider', 'region', 'cloud', 'size', 'tag:team', 'tag:env']) {
      const res = await get(`/v1/costs?groupBy=${groupBy}`);
      expect(res.status).toBe(200);
      expect(res.body.currency).toBe('USD');
      expect(res.body.total.hourly).toBeCloseTo(expected, 9);
      expect(res.body.total.monthly).toBeCloseTo(expected * 730, 6);
      expect(res.body.total).toMatchObject({ machines: 5, unpriced: 1 });
      const groups = res.body.groups as Array<{ hourly: number; monthly: number; machines: number }>;
      expect(groups.reduce((s, g) => s + g.hourly, 0)).toBeCloseTo(expected, 9);
      expect(groups.reduce((s, g) => s + g.machines, 0)).toBe(5);
      for (const g of groups) expect(g.monthly).toBeCloseTo(g.hourly * 730, 6);
    }
  });

  it('groups by a tag, machines without it under null, costliest first', async () => {
    const res = await get('/v1/costs?groupBy=tag:team');
    const ms = counted();
    const of = (team: string | null) =>
      ms.filter((m) => (m.tags.find((x) => x.k === 'team')?.v ?? null) === team);
    expect(res.body.groups.map((g: { key: string | null }) => g.key)).toEqual(['data', 'web', null]);
    for (const g of res.body.groups) {
      expect(g.hourly).toBeCloseTo(sum(of(g.key)), 9);
      expect(g.machines).toBe(of(g.key).length);
    }
    // The gcp machine has no price: counted, as unpriced, in its team's group.
    expect(res.body.groups[0]).toMatchObject({ key: 'data', currency: 'USD', machines: 2, unpriced: 1 });
  });

  it('groups by provider, an unpriced provider with currency null', async () => {
    const res = await get('/v1/costs?groupBy=provider');
    const byKey = Object.fromEntries(res.body.groups.map((g: { key: string }) => [g.key, g]));
    expect(byKey.aws).toMatchObject({ machines: 3, unpriced: 0, currency: 'USD' });
    expect(byKey.aws.hourly).toBeCloseTo(0.0104 + 0.096 + 0.107, 9);
    expect(byKey.gcp).toEqual({
      key: 'gcp',
      currency: null,
      machines: 1,
      unpriced: 1,
      hourly: 0,
      monthly: 0,
    });
  });

  it('counts the machines of a state, or of any state, missing ones never', async () => {
    const stopped = await get('/v1/costs?groupBy=provider&state=stopped');
    expect(stopped.body.total).toMatchObject({ machines: 1, hourly: 0.096 });
    const any = await get('/v1/costs?groupBy=region&state=any');
    expect(any.body.total.machines).toBe(6);
    expect(any.body.total.hourly).toBeCloseTo(sum(counted()) + 0.096, 9);
  });

  it("shows another org nothing of this org's machines", async () => {
    const res = await get('/v1/costs?groupBy=tag:team', stranger);
    expect(res.body.total).toMatchObject({ machines: 1, hourly: 50 });
  });

  it('answers 400 for a grouping or state outside the grammar, and writes nothing', async () => {
    const auditBefore = await t.db.collection('audit').countDocuments();
    for (const q of [
      'groupBy=color',
      'groupBy=tag:',
      'groupBy=tag:%20x',
      'state=exploded',
      'groupBy=provider&extra=1',
    ]) {
      const res = await get(`/v1/costs?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    expect(await t.db.collection('audit').countDocuments()).toBe(auditBefore);
    expect(await snapshotCollection(t.db).countDocuments()).toBe(0);
  });

  it('needs a token', async () => {
    expect((await request('GET', '/v1/costs')).status).toBe(401);
  });

  describe('with Hetzner machines priced in EUR', () => {
    // They stay for the rest of the file: the savings below select env=dev, which they are not.
    beforeAll(async () => {
      const eur = [
        machine(orgId, {
          provider: 'hetzner',
          cloudId: 'cloud_h',
          region: 'fsn1',
          size: 'cx22',
          hourlyCost: 0.006,
          team: 'web',
        }),
        machine(orgId, {
          provider: 'hetzner',
          cloudId: 'cloud_h',
          region: 'fsn1',
          size: 'cx32',
          hourlyCost: 0.0113,
          team: 'web',
        }),
      ];
      await t.db.collection<MachineDoc>('machines').insertMany(eur);
    });

    it('never adds EUR to USD: a total per currency, groups per key and currency', async () => {
      const res = await get('/v1/costs?groupBy=tag:team');
      expect(res.body.currency).toBeNull();
      expect(res.body.total).toBeNull();
      expect(res.body.totals.map((x: { currency: string }) => x.currency)).toEqual(['EUR', 'USD']);
      expect(res.body.totals[0].hourly).toBeCloseTo(0.0173, 9);
      expect(res.body.totals[1].hourly).toBeCloseTo(sum(counted()), 9);
      const web = res.body.groups.filter((g: { key: string }) => g.key === 'web');
      expect(web.map((g: { currency: string }) => g.currency).sort()).toEqual(['EUR', 'USD']);
    });

    it("shows one currency where the machines selected share it; a machine polled before prices had a currency is in its provider's", async () => {
      const legacy = machine(orgId, {
        provider: 'hetzner',
        cloudId: 'cloud_h',
        region: 'fsn1',
        hourlyCost: 0.5,
      });
      await t.db.collection<MachineDoc>('machines').insertOne(legacy);
      await t.db.collection<MachineDoc>('machines').updateOne({ _id: legacy._id }, { $unset: { price: 1 } });
      const res = await get('/v1/costs?groupBy=region&state=running');
      const fsn1 = res.body.groups.find((g: { key: string }) => g.key === 'fsn1');
      expect(fsn1).toMatchObject({ currency: 'EUR', machines: 3, unpriced: 0 });
      expect(fsn1.hourly).toBeCloseTo(0.5173, 9);
      await t.db.collection<MachineDoc>('machines').deleteOne({ _id: legacy._id });
    });
  });

  describe('savings of a nightly stop', () => {
    const dev = { tags: { include: ['env=dev'] } };
    const stopBody = {
      name: 'dev off at night',
      conditions: dev,
      action: { type: 'machine.action', action: 'stop' },
      when: { kind: 'cron', expression: '0 20 * * 1-5', timeZone: 'UTC' },
    };
    let stopId: string;
    const devRunningHourly = () =>
      sum(counted().filter((m) => m.tags.some((x) => x.k === 'env' && x.v === 'dev')));

    it('without a start schedule: off from the first stop to the end of the month (an upper bound)', async () => {
      stopId = (await request('POST', '/v1/schedules', { token: owner, body: stopBody })).body.id;
      const res = await request('POST', `/v1/schedules/${stopId}/dry-run`, { token: owner });
      expect(res.status).toBe(200);
      // The first stop is today at 20:00, ten hours from now.
      expect(res.body.savings).toMatchObject({
        basis: 'until_next_stop',
        startScheduleId: null,
        offHours: 720,
        machines: 3,
      });
      expect(res.body.savings.saved).toHaveLength(1);
      expect(res.body.savings.saved[0].currency).toBe('USD');
      expect(res.body.savings.saved[0].amount).toBeCloseTo(devRunningHourly() * 720, 6);
    });

    it("with a matching start schedule: off from each stop to the next start, from the schedules' occurrences", async () => {
      const start = await request('POST', '/v1/schedules', {
        token: owner,
        body: {
          ...stopBody,
          name: 'dev on in the morning',
          // The same conditions, written in another key order.
          conditions: { tags: { include: ['env=dev'] } },
          action: { type: 'machine.action', action: 'start' },
          when: { kind: 'cron', expression: '0 8 * * 1-5', timeZone: 'UTC' },
        },
      });
      const res = await request('POST', `/v1/schedules/${stopId}/dry-run`, { token: owner });
      const hours = bruteForceNightlyOffHours(clock, 730);
      expect(hours).toBeGreaterThan(400);
      expect(res.body.savings).toMatchObject({
        basis: 'until_matching_start',
        startScheduleId: start.body.id,
        offHours: hours,
        machines: 3,
        unpriced: 0,
      });
      expect(res.body.savings.saved[0].amount).toBeCloseTo(devRunningHourly() * hours, 6);
    });

    it('says a schedule that does not stop saves nothing', async () => {
      const reboot = await request('POST', '/v1/schedules', {
        token: owner,
        body: { ...stopBody, name: 'reboot', action: { type: 'machine.action', action: 'reboot' } },
      });
      const res = await request('POST', `/v1/schedules/${reboot.body.id}/dry-run`, { token: owner });
      expect(res.body.savings).toEqual({
        basis: 'not_a_stop',
        startScheduleId: null,
        offHours: 0,
        machines: 0,
        unpriced: 0,
        saved: [],
      });
    });

    it('records what each run saved, and totals the runs of a period per schedule', async () => {
      clock = new Date('2026-05-04T20:00:00Z');
      await claimDueSchedules(jobs.deps());
      const run = await scheduleCollections(t.db).runs.findOne({ orgId, scheduleId: stopId });
      expect(run?.savings).toMatchObject({ basis: 'until_matching_start', offHours: 12, machines: 3 });
      expect(run!.savings!.saved[0]!.amount).toBeCloseTo(devRunningHourly() * 12, 6);
      clock = new Date('2026-05-08T20:00:00Z'); // a Friday: off until Monday 08:00
      await claimDueSchedules(jobs.deps());
      const res = await get('/v1/costs/savings?from=2026-05-01T00:00:00Z&to=2026-05-09T00:00:00Z');
      expect(res.status).toBe(200);
      expect(res.body.schedules).toHaveLength(1);
      expect(res.body.schedules[0]).toMatchObject({ scheduleId: stopId, name: 'dev off at night', runs: 2 });
      expect(res.body.totals[0].amount).toBeCloseTo(devRunningHourly() * (12 + 60), 6);
      // A period without runs, and another org, see nothing.
      expect(
        (await get('/v1/costs/savings?from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z')).body.totals,
      ).toEqual([]);
      expect(
        (await get('/v1/costs/savings?from=2026-05-01T00:00:00Z&to=2026-05-09T00:00:00Z', stranger)).body
          .schedules,
      ).toEqual([]);
    });

    it('answers 400 for a period that is not RFC 3339', async () => {
      expect((await get('/v1/costs/savings?from=yesterday')).status).toBe(400);
    });
  });

  it('takes one snapshot per org and day, kept with a TTL, and shows the trend', async () => {
    clock = new Date('2026-05-10T03:00:00Z');
    expect(await takeDueSnapshots(jobs.deps())).toBeGreaterThanOrEqual(2);
    expect(await takeDueSnapshots(jobs.deps())).toBe(0);
    const doc = await snapshotCollection(t.db).findOne({ orgId });
    expect(doc).toMatchObject({ day: '2026-05-10' });
    expect(doc!.expireAt.getTime()).toBe(clock.getTime() + 400 * 86_400_000);
    const indexes = await snapshotCollection(t.db).indexes();
    expect(indexes.find((i) => i.name === 'expireAt_1')?.expireAfterSeconds).toBe(0);
    clock = new Date('2026-05-11T03:00:00Z');
    await takeDueSnapshots(jobs.deps());
    const res = await get('/v1/costs/history?groupBy=provider&from=2026-05-01T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body.days.map((d: { day: string }) => d.day)).toEqual(['2026-05-10', '2026-05-11']);
    const live = await get('/v1/costs?groupBy=provider');
    expect(res.body.days[1].totals).toEqual(live.body.totals);
    expect((await get('/v1/costs/history?groupBy=tag:team')).status).toBe(400);
  });
});
