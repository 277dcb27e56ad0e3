/**
 * A Google Cloud cloud through the API, against the fake Compute Engine on 127.0.0.1 (test/fakes/gcp):
 * the official client's REST transport, routes, services, sealing, MongoDB and jobs are all real. The
 * same inventory and actions as for AWS, with no gcp branch outside the driver.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { GcpComputeFake } from '../fakes/gcp/compute-fake.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const KEY_BODY = PRIVATE_KEY.split('\n')[5]!;

describe('a Google Cloud cloud', () => {
  const t = useTestDatabase('gcp');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  const fake = new GcpComputeFake('nimbo-test');
  let endpoint: string;
  let owner: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    endpoint = await fake.start();
    fake.seed('europe-west1-b', 'web-1', { labels: { env: 'prod' } });
    fake.seed('europe-west1-c', 'web-2', { status: 'TERMINATED' });
    fake.seed('europe-west1-d', 'db-1');
    fake.seed('us-central1-a', 'elsewhere');
  });
  afterAll(() => fake.stop());

  const body = (name: string, overrides: Record<string, unknown> = {}) => ({
    provider: 'gcp',
    name,
    regions: ['europe-west1'],
    credentials: {
      type: 'service_account',
      project_id: 'nimbo-test',
      client_email: 'nimbo@nimbo-test.iam.gserviceaccount.com',
      private_key: PRIVATE_KEY,
      private_key_id: 'abcdef0123456789',
    },
    settings: { endpoint },
    ...overrides,
  });

  async function machinesOf(cloudId: string) {
    const res = await api.request('GET', `/v1/machines?cloud=${cloudId}&sort=name`, { token: owner });
    return res.body.items as Array<Record<string, any>>;
  }

  let cloudId: string;

  it('is added after a connection check, with a sealed key that no reply shows, and inventories the zones of its regions', async () => {
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: body('gce') });
    expect(res.status).toBe(201);
    cloudId = res.body.cloud.id;
    expect(res.body.cloud).toMatchObject({
      provider: 'gcp',
      simulated: false,
      credentials: { type: 'serviceAccount', account: 'nimbo@nimbo-test.iam.gserviceaccount.com' },
    });
    const stored = await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId });
    for (const text of [JSON.stringify(res.body), JSON.stringify(stored)])
      expect(text).not.toContain(KEY_BODY);

    await jobs.drain();
    const machines = await machinesOf(cloudId);
    expect(machines.map((m) => m.name)).toEqual(['db-1', 'web-1', 'web-2']);
    const web1 = machines.find((m) => m.name === 'web-1')!;
    expect(web1).toMatchObject({
      provider: 'gcp',
      state: 'running',
      size: 'e2-small',
      tags: { env: 'prod' },
    });
    // GCE renames and resizes stopped instances only: the flags say so before anything is called.
    expect(web1.actions).toMatchObject({ stop: true, start: false, rename: false, resize: false });
    expect(machines.find((m) => m.name === 'web-2')!.actions).toMatchObject({ start: true, rename: true });
  });

  it('stops a running instance through a job and sees it stopped at the next poll', async () => {
    const web1 = (await machinesOf(cloudId)).find((m) => m.name === 'web-1')!;
    const res = await api.request('POST', `/v1/machines/${web1.id}/actions/stop`, { token: owner });
    expect(res.status).toBe(202);
    await jobs.drain();
    const job = await api.request('GET', `/v1/jobs/${res.body.job.id}`, { token: owner });
    expect(job.body.status).toBe('succeeded');
    expect(fake.instance('europe-west1-b', 'web-1')?.status).toBe('TERMINATED');

    await api.request('POST', `/v1/clouds/${cloudId}/poll`, { token: owner });
    await jobs.drain();
    expect((await machinesOf(cloudId)).find((m) => m.name === 'web-1')).toMatchObject({ state: 'stopped' });
  });

  it('answers 422 for renaming a running instance, before asking Google anything', async () => {
    const db1 = (await machinesOf(cloudId)).find((m) => m.name === 'db-1')!;
    const before = fake.requests.length;
    const res = await api.request('POST', `/v1/machines/${db1.id}/actions/rename`, {
      token: owner,
      body: { name: 'db-2' },
    });
    expect([409, 422]).toContain(res.status);
    expect(fake.requests.length).toBe(before);
  });

  it('refuses a key Google rejects with 422, and saves nothing', async () => {
    fake.failNext(1, 401, {
      reason: 'authError',
      message: 'Request had invalid authentication credentials.',
    });
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: body('rejected') });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/credentials/i);
    expect(JSON.stringify(res.body)).not.toContain(KEY_BODY);
    expect(await t.db.collection('clouds').countDocuments({ name: 'rejected' })).toBe(0);
  });

  it('answers 400 naming the field for a malformed key, without calling Google', async () => {
    const before = fake.requests.length;
    const bad = body('malformed');
    (bad.credentials as Record<string, unknown>).private_key = 'not a key';
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: bad });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain('credentials.private_key');
    const zone = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: body('zone-not-region', { regions: ['europe-west1-b'] }),
    });
    expect(zone.status).toBe(400);
    expect(JSON.stringify(zone.body.errors)).toContain('regions.0');
    expect(fake.requests.length).toBe(before);
  });

  it('creates an instance as a job in the zone asked for, labelled with its tags, and inventories it', async () => {
    const res = await api.request('POST', `/v1/clouds/${cloudId}/machines`, {
      token: owner,
      body: {
        name: 'made-here',
        region: 'europe-west1',
        location: 'europe-west1-c',
        image: 'projects/debian-cloud/global/images/debian-12',
        size: 'e2-small',
        tags: { team: 'ops' },
      },
    });
    expect(res.status).toBe(202);
    await jobs.drain();
    const job = await api.request('GET', `/v1/jobs/${res.body.job.id}`, { token: owner });
    expect(job.body.status).toBe('succeeded');
    expect(fake.instance('europe-west1-c', 'made-here')).toMatchObject({ labels: { team: 'ops' } });
    expect((await machinesOf(cloudId)).find((m) => m.name === 'made-here')).toMatchObject({
      provider: 'gcp',
      region: 'europe-west1-c',
      tags: { team: 'ops' },
    });
  });
});
