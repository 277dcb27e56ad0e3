/**
 * One schedule over machines of Google Cloud and Azure, chosen by one condition: the inventory, the
 * conditions, the schedule run and the machine jobs have no provider branch, so tags (GCE labels, Azure
 * tags) select across clouds and each stop lands through its own driver on its fake (127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { claimDueSchedules } from '../../lib/schedules/runs.js';
import { ArmFake, CLIENT, SECRET, SUBSCRIPTION, TENANT } from '../fakes/azure/arm-fake.js';
import { GcpComputeFake } from '../fakes/gcp/compute-fake.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { credentials } from '../unit/gcp/fixtures.js';

describe('a schedule over machines of several clouds', () => {
  const t = useTestDatabase('multicloud');
  const clock = new Date('2026-12-04T18:00:00Z');
  const now = () => clock;
  const jobs = testJobs(() => t.db, now);
  const api = testApi(() => t.db, now, jobs.queue);
  const gcp = new GcpComputeFake('nimbo-test');
  let azure: ArmFake;
  let owner: string;

  const post = (path: string, body: unknown) => api.request('POST', path, { token: owner, body });

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    const endpoint = await gcp.start();
    gcp.seed('europe-west1-b', 'gce-prod', { labels: { env: 'prod' } });
    gcp.seed('europe-west1-c', 'gce-dev', { labels: { env: 'dev' } });
    azure = await ArmFake.start();
    azure.pollRetryAfter = '1';
    azure.seedVm({ resourceGroup: 'rg-a', name: 'az-prod', location: 'westeurope', tags: { env: 'prod' } });
    azure.seedVm({ resourceGroup: 'rg-a', name: 'az-dev', location: 'westeurope', tags: { env: 'dev' } });

    const made = await Promise.all([
      post('/v1/clouds', {
        provider: 'gcp',
        name: 'gce',
        regions: ['europe-west1'],
        credentials,
        settings: { endpoint },
      }),
      post('/v1/clouds', {
        provider: 'azure',
        name: 'az',
        regions: ['westeurope'],
        credentials: {
          tenantId: TENANT,
          clientId: CLIENT,
          clientSecret: SECRET,
          subscriptionId: SUBSCRIPTION,
        },
        settings: { endpoint: azure.url, endpointCa: azure.ca },
      }),
    ]);
    for (const res of made) expect(res.status, JSON.stringify(res.body)).toBe(201);
    await jobs.drain();
    // Two SDKs' first load, a key pair and a certificate: slow on a loaded machine.
  }, 60_000);
  afterAll(async () => {
    await gcp.stop();
    await azure.close();
  });

  it('selects the running prod machines of both clouds by tag, and stops each through its own provider', async () => {
    const listed = await api.request('GET', '/v1/machines?tag=env=prod&sort=name', { token: owner });
    expect(listed.body.items.map((m: { name: string; provider: string }) => [m.name, m.provider])).toEqual([
      ['az-prod', 'azure'],
      ['gce-prod', 'gcp'],
    ]);

    const schedule = await post('/v1/schedules', {
      name: 'nightly-stop',
      conditions: {
        all: [{ field: 'state', op: 'eq', value: 'running' }, { tags: { include: ['env=prod'] } }],
      },
      action: { type: 'machine.action', action: 'stop' },
      when: { kind: 'cron', expression: '0 20 * * *' },
      runImmediately: true,
    });
    expect(schedule.status).toBe(201);
    expect(await claimDueSchedules(jobs.deps())).toBe(1);
    await jobs.drain();

    const [run] = await t.db
      .collection<AnyDoc>('schedule_runs')
      .find({ scheduleId: schedule.body.id })
      .toArray();
    expect(run).toMatchObject({ matched: 2, queued: 2, skipped: 0 });
    expect(gcp.instance('europe-west1-b', 'gce-prod')?.status).toBe('TERMINATED');
    expect(gcp.instance('europe-west1-c', 'gce-dev')?.status).toBe('RUNNING');
    const power = (name: string) => [...azure.vms.values()].find((v) => v.name === name)?.power;
    expect(power('az-prod')).toBe('deallocated');
    expect(power('az-dev')).toBe('running');

    const finished = await t.db.collection<AnyDoc>('jobs').find({ 'input.runId': run!._id }).toArray();
    expect(finished.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
  });
});
