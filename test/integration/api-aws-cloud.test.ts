/**
 * An AWS cloud through the API. The EC2 client is mocked (the one boundary where mocks are allowed:
 * no AWS endpoint is reachable here); everything else is real: routes, services, sealing, MongoDB, jobs.
 */
import {
  DeleteSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const ec2 = mockClient(EC2Client);
// Every poll lists the hosted zones too: answered here, so that no test reaches for Route 53.
const r53 = mockClient(Route53Client);
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const instances = {
  Reservations: [
    {
      Instances: [
        {
          InstanceId: 'i-0aaa',
          State: { Name: 'running' as const },
          InstanceType: 't3.micro' as const,
          ImageId: 'ami-1',
          Placement: { AvailabilityZone: 'eu-west-1a' },
          PrivateIpAddress: '10.1.2.3',
          Tags: [
            { Key: 'Name', Value: 'web-1' },
            { Key: 'env', Value: 'prod' },
          ],
          LaunchTime: new Date('2026-01-01T00:00:00Z'),
        },
        { InstanceId: 'i-0bbb', State: { Name: 'stopped' as const }, InstanceType: 't3.small' as const },
      ],
    },
  ],
};

describe('an AWS cloud', () => {
  const t = useTestDatabase('aws');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
  });
  beforeEach(() => r53.on(ListHostedZonesCommand).resolves({ HostedZones: [], IsTruncated: false }));
  afterEach(() => {
    ec2.reset();
    r53.reset();
  });

  const body = (name: string) => ({
    provider: 'aws',
    name,
    regions: ['eu-west-1'],
    credentials: { type: 'accessKeys', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
  });

  it('is added with sealed credentials that no reply shows, and its instances are inventoried', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instances);
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: body('prod') });
    expect(res.status).toBe(201);
    expect(res.body.cloud.credentials).toEqual({ type: 'accessKeys' });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);

    const stored = await t.db.collection<AnyDoc>('clouds').findOne({ _id: res.body.cloud.id });
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(JSON.stringify(stored)).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(stored?.credentials).toMatchObject({ v: 1, kid: expect.any(String), iv: expect.any(String) });

    await jobs.drain();
    const machines = await api.request('GET', `/v1/machines?cloud=${res.body.cloud.id}`, { token: owner });
    expect(machines.body.items.map((m: { name: string }) => m.name).sort()).toEqual(['i-0bbb', 'web-1']);
    const web = machines.body.items.find((m: { name: string }) => m.name === 'web-1');
    expect(web).toMatchObject({ provider: 'aws', state: 'running', size: 't3.micro', tags: { env: 'prod' } });
    expect(JSON.stringify((await api.request('GET', '/v1/clouds', { token: owner })).body)).not.toContain(
      SECRET,
    );
  });

  it('sends every EC2 call to settings.endpoint when the cloud has one', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instances);
    const res = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { ...body('fake-ec2'), settings: { endpoint: 'http://127.0.0.1:4566' } },
    });
    expect(res.status).toBe(201);
    expect(res.body.cloud.settings).toEqual({ endpoint: 'http://127.0.0.1:4566' });
    const client = ec2.commandCalls(DescribeInstancesCommand)[0]!.thisValue as EC2Client;
    const endpoint = await client.config.endpoint!();
    expect([endpoint.protocol, endpoint.hostname, endpoint.port]).toEqual(['http:', '127.0.0.1', 4566]);
  });

  it('refuses an http endpoint in a deployed stack with 422 naming settings.endpoint, and saves nothing', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'nimbo-api';
    try {
      const res = await api.request('POST', '/v1/clouds', {
        token: owner,
        body: { ...body('plain-http'), settings: { endpoint: 'http://ec2.example.com' } },
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([
        { in: 'body', path: 'settings.endpoint', message: 'must be https in a deployed stack' },
      ]);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
    expect(ec2.calls()).toHaveLength(0);
    expect(await t.db.collection('clouds').countDocuments({ name: 'plain-http' })).toBe(0);
  });

  it('answers 400 for an endpoint that is not an http(s) URL', async () => {
    const res = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { ...body('ftp'), settings: { endpoint: 'ftp://127.0.0.1/' } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('settings.endpoint');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('stops an instance with StopInstances in its region', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instances);
    const added = await api.request('POST', '/v1/clouds', { token: owner, body: body('ops') });
    await jobs.drain();
    const list = await api.request('GET', `/v1/machines?cloud=${added.body.cloud.id}&state=running`, {
      token: owner,
    });
    ec2.on(StopInstancesCommand).resolves({});
    const res = await api.request('POST', `/v1/machines/${list.body.items[0].id}/actions/stop`, {
      token: owner,
    });
    expect(res.status).toBe(202);
    await jobs.drain();
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-0aaa'] });
    expect((await api.request('GET', `/v1/jobs/${res.body.job.id}`, { token: owner })).body.status).toBe(
      'succeeded',
    );
  });

  it('forces a stop with StopInstances Force when asked, and refuses to force a reboot (EC2 has no hard reboot)', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instances);
    const added = await api.request('POST', '/v1/clouds', { token: owner, body: body('force') });
    await jobs.drain();
    const list = await api.request('GET', `/v1/machines?cloud=${added.body.cloud.id}&state=running`, {
      token: owner,
    });
    const id = list.body.items[0].id;
    ec2.on(StopInstancesCommand).resolves({});
    const reboot = await api.request('POST', `/v1/machines/${id}/actions/reboot`, {
      token: owner,
      body: { force: true },
    });
    expect(reboot.status).toBe(422);
    expect(reboot.body.detail).toBe('The aws provider cannot force a reboot');
    const stop = await api.request('POST', `/v1/machines/${id}/actions/stop`, {
      token: owner,
      body: { force: true },
    });
    expect(stop.status).toBe(202);
    await jobs.drain();
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-0aaa'], Force: true });
  });

  it('deletes only a snapshot set the instance has: an EBS snap- id is 400, an unknown set 404, nothing queued', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instances);
    const added = await api.request('POST', '/v1/clouds', { token: owner, body: body('snaps') });
    await jobs.drain();
    const list = await api.request('GET', `/v1/machines?cloud=${added.body.cloud.id}&state=running`, {
      token: owner,
    });
    const machineId = list.body.items[0].id;
    const setId = 'snapset-00112233445566aa';
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-0123456789abcdef0',
          VolumeId: 'vol-root',
          State: 'completed',
          StartTime: new Date('2026-11-25T10:00:00Z'),
          Tags: [
            { Key: 'nimbo:snapshot-set', Value: setId },
            { Key: 'nimbo:instance', Value: 'i-0aaa' },
          ],
        },
      ],
    });
    ec2.on(DeleteSnapshotCommand).resolves({});
    const del = (id: string) =>
      api.request('DELETE', `/v1/machines/${machineId}/snapshots/${id}`, { token: owner });
    const jobsBefore = await t.db.collection<AnyDoc>('jobs').countDocuments();

    const ebs = await del('snap-0123456789abcdef0');
    expect(ebs.status).toBe(400);
    expect(ebs.body.detail).toMatch(/snapshotId: must be a snapshot id as GET .* lists them/);
    expect(ebs.body.detail).toMatch(/not an EBS snapshot id/);
    const sim = await del('simsnap-0123456789ab');
    expect(sim.status).toBe(400);
    expect(sim.body.detail).toBe(
      '"simsnap-0123456789ab" is not a snapshot id of the aws provider: expected "snapset-" and 16 lowercase hex digits (a snapshot set, not an EBS snapshot id snap-...)',
    );
    const unknown = await del('snapset-ffffffffffffffff');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('Snapshot snapset-ffffffffffffffff is not a snapshot of machine web-1');
    expect(await t.db.collection<AnyDoc>('jobs').countDocuments()).toBe(jobsBefore);
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);

    const ok = await del(setId);
    expect(ok.status).toBe(202);
    await jobs.drain();
    expect((await api.request('GET', `/v1/jobs/${ok.body.job.id}`, { token: owner })).body.status).toBe(
      'succeeded',
    );
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-0123456789abcdef0' });
  });

  it('is refused with 422 when AWS rejects the keys, and nothing is saved', async () => {
    ec2.on(DescribeInstancesCommand).rejects(
      Object.assign(new Error('AWS was not able to validate the provided access credentials'), {
        name: 'AuthFailure',
      }),
    );
    const before = await t.db.collection<AnyDoc>('clouds').countDocuments();
    const res = await api.request('POST', '/v1/clouds', { token: owner, body: body('bad') });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/AuthFailure/);
    expect(res.body.detail).not.toContain(SECRET);
    expect(await t.db.collection<AnyDoc>('clouds').countDocuments()).toBe(before);
  });
});
