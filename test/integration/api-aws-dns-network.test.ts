/**
 * DNS and networks of an AWS cloud through the API. Route 53 and EC2 clients are mocked (the one boundary
 * where mocks are allowed); routes, services, sealing, MongoDB and jobs are real.
 */
import {
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);
afterAll(() => {
  ec2.restore();
  r53.restore();
});

const ec2Error = (code: string, message: string) =>
  new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
const r53Error = (code: string, message: string, fault: 'client' | 'server' = 'client') =>
  new Route53ServiceException({ name: code, $fault: fault, $metadata: { httpStatusCode: 400 }, message });

const instances = {
  Reservations: [
    {
      Instances: [
        {
          InstanceId: 'i-0aaa',
          State: { Name: 'running' as const },
          PublicIpAddress: '203.0.113.20',
          PrivateIpAddress: '10.1.2.3',
          VpcId: 'vpc-0main',
          SubnetId: 'subnet-0a',
          Tags: [{ Key: 'Name', Value: 'web-1' }],
        },
      ],
    },
  ],
};
const zones = {
  HostedZones: [
    {
      Id: '/hostedzone/Z1EXAMPLE',
      Name: 'example.com.',
      CallerReference: 'r',
      Config: { PrivateZone: false },
    },
  ],
  IsTruncated: false,
  Marker: '',
  MaxItems: 100,
};
const recordSets = {
  ResourceRecordSets: [
    {
      Name: 'example.com.',
      Type: 'SOA' as const,
      TTL: 900,
      ResourceRecords: [{ Value: 'ns-1.awsdns.example. x. 1 2 3 4 5' }],
    },
    {
      Name: 'example.com.',
      Type: 'NS' as const,
      TTL: 172800,
      ResourceRecords: [{ Value: 'ns-1.awsdns.example.' }],
    },
    { Name: 'www.example.com.', Type: 'A' as const, TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] },
  ],
  IsTruncated: false,
  MaxItems: 300,
};

describe('DNS and networks of an AWS cloud', () => {
  const t = useTestDatabase('awsnet');
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let cloudId: string;

  const get = (path: string) => api.request('GET', path, { token: owner });
  const post = (path: string, body?: unknown) =>
    api.request('POST', path, { token: owner, ...(body ? { body } : {}) });
  const poll = async () => {
    const res = await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    return (await get(`/v1/jobs/${res.body.job.id}`)).body;
  };

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    ec2.on(DescribeInstancesCommand).resolves(instances);
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: 'vpc-0main',
          CidrBlock: '10.1.0.0/16',
          State: 'available',
          Tags: [{ Key: 'Name', Value: 'main' }],
        },
      ],
    });
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        {
          SubnetId: 'subnet-0a',
          VpcId: 'vpc-0main',
          CidrBlock: '10.1.2.0/24',
          AvailabilityZone: 'eu-west-1a',
          State: 'available',
        },
      ],
    });
    r53.on(ListHostedZonesCommand).resolves(zones);
    r53.on(ListResourceRecordSetsCommand).resolves(recordSets);
    const res = await post('/v1/clouds', {
      provider: 'aws',
      name: 'prod',
      regions: ['eu-west-1'],
      credentials: {
        type: 'accessKeys',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    });
    cloudId = res.body.cloud.id;
    await jobs.drain();
  });

  it('inventories hosted zones, record sets, VPCs and subnets with the cloud poll', async () => {
    const zoneList = await get(`/v1/clouds/${cloudId}/zones`);
    expect(zoneList.body.items).toEqual([
      expect.objectContaining({ externalId: 'Z1EXAMPLE', name: 'example.com.' }),
    ]);
    const recs = await get(`/v1/zones/${zoneList.body.items[0].id}/records`);
    expect(recs.body.items.map((r: AnyDoc) => `${r.name} ${r.type}`).sort()).toEqual([
      'example.com. NS',
      'example.com. SOA',
      'www.example.com. A',
    ]);
    const nets = await get(`/v1/clouds/${cloudId}/networks`);
    expect(nets.body.items).toEqual([expect.objectContaining({ externalId: 'vpc-0main', name: 'main' })]);
    const machine = (await get(`/v1/machines?cloud=${cloudId}`)).body.items[0];
    const shown = await get(`/v1/machines/${machine.id}`);
    expect(shown.body.network).toMatchObject({
      id: nets.body.items[0].id,
      name: 'main',
      cidr: '10.1.0.0/16',
    });
    expect(shown.body.subnet).toMatchObject({ externalId: 'subnet-0a', cidr: '10.1.2.0/24' });
  });

  it('keeps the machines (and the zones it knew) when the DNS part of a poll fails, and reports it', async () => {
    r53
      .on(ListHostedZonesCommand)
      .rejects(r53Error('AccessDenied', 'not authorized to perform route53:ListHostedZones'));
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ ...instances.Reservations[0]!.Instances[0]!, State: { Name: 'stopped' } }] },
      ],
    });
    try {
      const job = await poll();
      expect(job.status).toBe('succeeded');
      expect(job.result).toMatchObject({
        stateChanged: 1,
        dns: {
          error: {
            code: 'provider_auth_failed',
            message: expect.stringContaining('route53:ListHostedZones'),
          },
        },
        networks: { networks: { listed: 1 } },
      });
      expect((await get(`/v1/machines?cloud=${cloudId}`)).body.items[0].state).toBe('stopped');
      expect((await get(`/v1/clouds/${cloudId}/zones`)).body.items).toHaveLength(1);
      const cloud = await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId });
      expect(cloud?.resourcePollErrors).toMatchObject({
        dns: { code: 'provider_auth_failed' },
        network: null,
      });
      expect(cloud?.lastPollError).toBeNull();
      const view = await get(`/v1/clouds/${cloudId}`);
      expect(view.body.resourcePollErrors).toEqual({
        dns: { code: 'provider_auth_failed', message: expect.any(String), at: expect.any(String) },
      });
    } finally {
      r53.on(ListHostedZonesCommand).resolves(zones);
    }
    await poll();
    const cloud = await t.db.collection<AnyDoc>('clouds').findOne({ _id: cloudId });
    expect(cloud?.resourcePollErrors).toMatchObject({ dns: null });
    expect((await get(`/v1/clouds/${cloudId}`)).body.resourcePollErrors).toBeUndefined();
  });

  it("answers 422 with Route 53's reason when it refuses a change batch, and writes nothing", async () => {
    const zone = (await get(`/v1/clouds/${cloudId}/zones`)).body.items[0];
    r53.on(ChangeResourceRecordSetsCommand).rejects(
      new InvalidChangeBatch({
        $metadata: { httpStatusCode: 400 },
        message: 'Invalid change batch',
        messages: [
          'RRSet with DNS name api.example.com. is not permitted because a conflicting RRSet of type CNAME exists',
        ],
      }),
    );
    const before = await t.db.collection<AnyDoc>('records').countDocuments({});
    const res = await post(`/v1/zones/${zone.id}/records`, {
      name: 'api',
      type: 'A',
      values: ['192.0.2.50'],
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('provider_rejected');
    expect(res.body.detail).toContain('a conflicting RRSet of type CNAME exists');
    expect(await t.db.collection<AnyDoc>('records').countDocuments({})).toBe(before);
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'Z1EXAMPLE',
      ChangeBatch: {
        Comment: expect.stringContaining('record.create'),
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'api.example.com.',
              Type: 'A',
              TTL: 300,
              ResourceRecords: [{ Value: '192.0.2.50' }],
            },
          },
        ],
      },
    });
    const audit = await get(`/v1/audit?action=record.create&result=failure`);
    expect(audit.body.items[0]).toMatchObject({ error: { code: 'provider_rejected' } });
  });

  it('answers 502 with the provider message when Route 53 fails', async () => {
    const zone = (await get(`/v1/clouds/${cloudId}/zones`)).body.items[0];
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(r53Error('InternalFailure', 'Route 53 had a bad day', 'server'));
    const res = await post(`/v1/zones/${zone.id}/records`, {
      name: 'api',
      type: 'A',
      values: ['192.0.2.50'],
    });
    expect(res.status).toBe(502);
    expect(res.body.detail).toContain('Route 53 had a bad day');
  });

  it('sends a valid change and records it', async () => {
    const zone = (await get(`/v1/clouds/${cloudId}/zones`)).body.items[0];
    r53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date('2026-11-25T12:00:00Z') },
    });
    const res = await post(`/v1/zones/${zone.id}/records`, {
      name: 'mail',
      type: 'MX',
      values: ['10 mx.example.com'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      change: { id: 'C1', status: 'PENDING' },
      record: { values: ['10 mx.example.com.'] },
    });
  });

  it('creates a VPC with its Name tag, and answers 409 when EC2 refuses to delete it (DependencyViolation)', async () => {
    ec2
      .on(CreateVpcCommand)
      .resolves({ Vpc: { VpcId: 'vpc-0new', CidrBlock: '10.2.0.0/16', State: 'pending' } });
    const created = await post(`/v1/clouds/${cloudId}/networks`, {
      name: 'lab',
      cidr: '10.2.0.0/16',
      region: 'eu-west-1',
    });
    expect(created.status).toBe(201);
    expect(ec2).toHaveReceivedCommandWith(CreateVpcCommand, {
      CidrBlock: '10.2.0.0/16',
      TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'lab' }] }],
    });
    ec2
      .on(DeleteVpcCommand)
      .rejects(ec2Error('DependencyViolation', "The vpc 'vpc-0new' has dependencies and cannot be deleted."));
    const res = await api.request('DELETE', `/v1/networks/${created.body.id}`, { token: owner });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: 'provider_conflict',
      detail: expect.stringContaining('DependencyViolation'),
    });
    expect((await get(`/v1/networks/${created.body.id}`)).status).toBe(200);
  });

  it('refuses a VPC outside the /16-/28 limits or in a region the cloud lacks, before calling EC2', async () => {
    const calls = ec2.commandCalls(CreateVpcCommand).length;
    expect(
      (await post(`/v1/clouds/${cloudId}/networks`, { name: 'x', cidr: '10.0.0.0/12', region: 'eu-west-1' }))
        .status,
    ).toBe(422);
    expect(
      (await post(`/v1/clouds/${cloudId}/networks`, { name: 'x', cidr: '10.3.0.0/16', region: 'us-east-1' }))
        .status,
    ).toBe(422);
    expect(ec2.commandCalls(CreateVpcCommand).length).toBe(calls);
  });
});
