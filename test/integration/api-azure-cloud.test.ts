/**
 * An Azure cloud through the API, against the fake Resource Manager and token endpoint on 127.0.0.1
 * (test/fakes/azure, HTTPS with a self-signed CA given as settings.endpointCa): the official SDKs,
 * routes, services, sealing, MongoDB and jobs are all real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { ArmFake, CLIENT, SECRET, SUBSCRIPTION, TENANT } from '../fakes/azure/arm-fake.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('an Azure cloud', () => {
  const t = useTestDatabase('azure');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let fake: ArmFake;
  let owner: string;
  let cloudId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    fake = await ArmFake.start();
    fake.pollRetryAfter = '1';
    fake.seedVm({ resourceGroup: 'rg-a', name: 'web-1', location: 'westeurope', tags: { env: 'prod' } });
    fake.seedVm({ resourceGroup: 'rg-b', name: 'web-2', location: 'westeurope', power: 'deallocated' });
    fake.seedVm({ resourceGroup: 'rg-b', name: 'db-1', location: 'northeurope' });
    fake.seedVm({ resourceGroup: 'rg-c', name: 'elsewhere', location: 'eastus' });
  });
  afterAll(() => fake.close());

  const body = (name: string, secret = SECRET) => ({
    provider: 'azure',
    name,
    regions: ['westeurope', 'northeurope'],
    credentials: { tenantId: TENANT, clientId: CLIENT, clientSecret: secret, subscriptionId: SUBSCRIPTION },
    settings: { endpoint: fake.url, endpointCa: fake.ca },
  });

  async function machinesOf(id: string) {
    const res = await api.request('GET', `/v1/machines?cloud=${id}&sort=name`, { token: owner });
    return res.body.items as Array<Record<string, any>>;
  }

  it('is added after a connection check, with a sealed secret that no reply shows, and inventories every resource group of its locations', async () => {
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: body('az') });
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    expect(res.body.cloud.credentials).toEqual({ type: 'servicePrincipal', account: `${CLIENT}@${TENANT}` });
    const stored = await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId });
    for (const text of [JSON.stringify(res.body), JSON.stringify(stored)]) expect(text).not.toContain(SECRET);

    await jobs.drain();
    const machines = await machinesOf(cloudId);
    expect(machines.map((m) => m.name)).toEqual(['db-1', 'web-1', 'web-2']);
    const web1 = machines.find((m) => m.name === 'web-1')!;
    expect(web1).toMatchObject({
      provider: 'azure',
      state: 'running',
      region: 'westeurope',
      tags: { env: 'prod' },
    });
    // An Azure VM cannot be renamed: the flag says so before anything is called.
    expect(web1.actions).toMatchObject({ stop: true, rename: false, resize: true });
  });

  it('stops (deallocates) a VM through a job and sees it stopped at the next poll', async () => {
    const web1 = (await machinesOf(cloudId)).find((m) => m.name === 'web-1')!;
    const res = await api.request('POST', `/v1/machines/${web1.id}/actions/stop`, { token: owner });
    expect(res.status).toBe(202);
    await jobs.drain();
    expect((await api.request('GET', `/v1/jobs/${res.body.job.id}`, { token: owner })).body.status).toBe(
      'succeeded',
    );
    expect(fake.vms.get(fake.vmId('rg-a', 'web-1').toLowerCase())?.power).toBe('deallocated');
    await api.request('POST', `/v1/clouds/${cloudId}/poll`, { token: owner });
    await jobs.drain();
    expect((await machinesOf(cloudId)).find((m) => m.name === 'web-1')).toMatchObject({ state: 'stopped' });
  });

  it('answers 422 for a rename, before asking Azure anything', async () => {
    const db1 = (await machinesOf(cloudId)).find((m) => m.name === 'db-1')!;
    const before = fake.seen.length;
    const res = await api.request('POST', `/v1/machines/${db1.id}/actions/rename`, {
      token: owner,
      body: { name: 'db-2' },
    });
    expect(res.status).toBe(422);
    expect(fake.seen.length).toBe(before);
  });

  it('refuses a secret the identity platform rejects with 422, and saves nothing', async () => {
    const res = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: body('wrong', 'not-the-secret'),
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).not.toContain('not-the-secret');
    expect(await t.db.collection('clouds').countDocuments({ name: 'wrong' })).toBe(0);
  });

  it('answers 400 naming the field for a malformed subscription id, without calling Azure', async () => {
    const before = fake.seen.length;
    const bad = body('malformed');
    bad.credentials.subscriptionId = 'not-a-guid';
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: bad });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain('credentials.subscriptionId');
    expect(fake.seen.length).toBe(before);
  });

  it('creates a VM as a job in an existing subnet, given by its ARM id, and inventories it', async () => {
    const subnetId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-main/subnets/default`;
    const res = await api.request('POST', `/v1/clouds/${cloudId}/machines`, {
      token: owner,
      body: {
        name: 'made-here',
        region: 'westeurope',
        image: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest',
        size: 'Standard_B1s',
        subnetId,
        tags: { team: 'ops' },
      },
    });
    expect(res.status).toBe(202);
    await jobs.drain();
    const job = await api.request('GET', `/v1/jobs/${res.body.job.id}`, { token: owner });
    expect(job.body.status).toBe('succeeded');
    const made = [...fake.vms.values()].find((v) => v.name === 'made-here');
    expect(made).toMatchObject({ resourceGroup: 'nimbo-westeurope', size: 'Standard_B1s' });
    expect((await machinesOf(cloudId)).find((m) => m.name === 'made-here')).toMatchObject({
      provider: 'azure',
      tags: { team: 'ops' },
    });
  });
});
