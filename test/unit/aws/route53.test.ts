/**
 * What the Route 53 driver does that is AWS-specific: request shapes (caller references, change batches with
 * their comment, record paging by name, type and set identifier), how a forced delete batches its
 * deletions, the mapping of Route 53 errors. What every dns driver does is in the conformance suite
 * (test/conformance/dns-aws.test.ts, over the stateful fake Route 53).
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  GetHostedZoneCommand,
  InvalidChangeBatch,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsDnsDriver } from '../../../lib/providers/aws/dns.js';
import { ProviderConflictError, ProviderRejectedError } from '../../../lib/providers/errors.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './fixtures.js';

const r53 = mockClient(Route53Client);
beforeEach(() => r53.reset());
afterAll(() => r53.restore());

function makeDns() {
  const sleep = vi.fn(async (_ms: number) => {});
  const driver = new AwsDnsDriver(
    {
      cloudId: 'cloud-1',
      credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    },
    { sleep, random: () => 0.5 },
  );
  return { driver, sleep };
}

function r53Error(code: string, message = `${code} happened`) {
  return new Route53ServiceException({
    name: code,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

const submitted = new Date('2026-11-25T10:00:00Z');
const pending = { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING' as const, SubmittedAt: submitted };

describe('Route 53 zones', () => {
  it('creates a private zone with its VPC, a caller reference and the change to follow', async () => {
    r53.on(CreateHostedZoneCommand).resolves({
      HostedZone: {
        Id: '/hostedzone/Z9NEW',
        Name: 'corp.example.',
        CallerReference: 'x',
        Config: { PrivateZone: true },
      },
      ChangeInfo: pending,
      VPC: { VPCRegion: 'eu-west-1', VPCId: 'vpc-0abc' },
      DelegationSet: undefined,
      Location: 'https://route53.amazonaws.com/2013-04-01/hostedzone/Z9NEW',
    });
    const out = await makeDns().driver.createZone({
      name: 'Corp.Example',
      private: true,
      vpc: { region: 'eu-west-1', vpcId: 'vpc-0abc' },
      comment: 'internal names',
    });
    expect(out.zone).toMatchObject({ externalId: 'Z9NEW', name: 'corp.example.', private: true });
    expect(out.change).toEqual({ id: 'C2682N5HXP0BZ4', status: 'PENDING', submittedAt: submitted });
    expect(r53).toHaveReceivedCommandWith(CreateHostedZoneCommand, {
      Name: 'corp.example.',
      CallerReference: expect.stringMatching(/^nimbo-/),
      HostedZoneConfig: { PrivateZone: true, Comment: 'internal names' },
      VPC: { VPCRegion: 'eu-west-1', VPCId: 'vpc-0abc' },
    });
  });

  it('maps HostedZoneAlreadyExists (a caller reference used before) to a conflict', async () => {
    r53
      .on(CreateHostedZoneCommand)
      .rejects(r53Error('HostedZoneAlreadyExists', 'A zone with this reference exists'));
    await expect(makeDns().driver.createZone({ name: 'example.com', private: false })).rejects.toBeInstanceOf(
      ProviderConflictError,
    );
  });

  it('force-deletes a zone: every record but the apex SOA and NS goes first, in one batch', async () => {
    r53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: '/hostedzone/Z1', Name: 'example.com.', CallerReference: 'a' },
    });
    const www = {
      Name: 'www.example.com.',
      Type: 'A' as const,
      TTL: 60,
      ResourceRecords: [{ Value: '192.0.2.1' }],
    };
    const sub = {
      Name: 'sub.example.com.',
      Type: 'NS' as const,
      TTL: 60,
      ResourceRecords: [{ Value: 'ns.example.net.' }],
    };
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: 'example.com.',
          Type: 'SOA',
          TTL: 900,
          ResourceRecords: [{ Value: 'ns-1.example. admin. 1 2 3 4 5' }],
        },
        { Name: 'example.com.', Type: 'NS', TTL: 172800, ResourceRecords: [{ Value: 'ns-1.example.' }] },
        www,
        sub,
      ],
      IsTruncated: false,
      MaxItems: 300,
    });
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: pending });
    r53.on(DeleteHostedZoneCommand).resolves({ ChangeInfo: pending });
    await makeDns().driver.deleteZone('Z1', { force: true });
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Comment: 'Nimbo: forced zone deletion',
        Changes: [
          { Action: 'DELETE', ResourceRecordSet: www },
          { Action: 'DELETE', ResourceRecordSet: sub },
        ],
      },
    });
    expect(r53).toHaveReceivedCommandWith(DeleteHostedZoneCommand, { Id: 'Z1' });
  });
});

describe('Route 53 records', () => {
  it('lists record sets across pages with StartRecordName/Type/Identifier', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [
          { Name: '\\052.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.7' }] },
        ],
        IsTruncated: true,
        NextRecordName: 'api.example.com.',
        NextRecordType: 'A',
        NextRecordIdentifier: 'blue',
        MaxItems: 1,
      })
      .resolvesOnce({
        ResourceRecordSets: [
          {
            Name: 'api.example.com.',
            Type: 'A',
            SetIdentifier: 'blue',
            Weight: 10,
            AliasTarget: {
              HostedZoneId: 'Z35SXDOTRQ7X7K',
              DNSName: 'lb.example.net.',
              EvaluateTargetHealth: false,
            },
          },
        ],
        IsTruncated: false,
        MaxItems: 1,
      });
    const records = await makeDns().driver.listRecords('Z1');
    expect(records).toEqual([
      {
        name: '*.example.com.',
        type: 'A',
        ttl: 300,
        values: ['192.0.2.7'],
        alias: null,
        setIdentifier: null,
      },
      {
        name: 'api.example.com.',
        type: 'A',
        ttl: null,
        values: [],
        alias: { dnsName: 'lb.example.net.', zoneId: 'Z35SXDOTRQ7X7K' },
        setIdentifier: 'blue',
      },
    ]);
    expect(r53).toHaveReceivedNthCommandWith(ListResourceRecordSetsCommand, 2, {
      HostedZoneId: 'Z1',
      StartRecordName: 'api.example.com.',
      StartRecordType: 'A',
      StartRecordIdentifier: 'blue',
    });
  });

  it('sends changes as one change batch and returns the change', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: pending });
    const change = await makeDns().driver.changeRecords(
      'Z1',
      [
        { action: 'UPSERT', record: { name: 'www.example.com.', type: 'A', ttl: 60, values: ['192.0.2.1'] } },
        { action: 'DELETE', record: { name: 'old.example.com.', type: 'TXT', ttl: 300, values: ['"x"'] } },
      ],
      'by test',
    );
    expect(change).toEqual({ id: 'C2682N5HXP0BZ4', status: 'PENDING', submittedAt: submitted });
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Comment: 'by test',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'www.example.com.',
              Type: 'A',
              TTL: 60,
              ResourceRecords: [{ Value: '192.0.2.1' }],
            },
          },
          {
            Action: 'DELETE',
            ResourceRecordSet: {
              Name: 'old.example.com.',
              Type: 'TXT',
              TTL: 300,
              ResourceRecords: [{ Value: '"x"' }],
            },
          },
        ],
      },
    });
  });

  it("maps InvalidChangeBatch to a 422-class error carrying AWS's reasons", async () => {
    r53.on(ChangeResourceRecordSetsCommand).rejects(
      new InvalidChangeBatch({
        $metadata: { httpStatusCode: 400 },
        message: 'Invalid change batch',
        messages: [
          "[Tried to create resource record set [name='www.example.com.', type='A'] but it already exists]",
        ],
      }),
    );
    const err = await makeDns()
      .driver.changeRecords('Z1', [
        { action: 'CREATE', record: { name: 'www.example.com.', type: 'A', ttl: 60, values: ['192.0.2.1'] } },
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.code).toBe('provider_rejected');
    expect(err.message).toContain('but it already exists');
    expect(err.message).toMatch(/^Route 53 ChangeResourceRecordSets Z1: AWS InvalidChangeBatch: /);
  });

  it('retries throttling and PriorRequestNotComplete with backoff, then succeeds', async () => {
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(r53Error('Throttling', 'Rate exceeded'))
      .rejectsOnce(
        r53Error(
          'PriorRequestNotComplete',
          'The request was rejected because Route 53 was still processing a prior request.',
        ),
      )
      .resolves({ ChangeInfo: pending });
    const { driver, sleep } = makeDns();
    await driver.changeRecords('Z1', [
      { action: 'UPSERT', record: { name: 'a.example.com.', type: 'A', ttl: 60, values: ['192.0.2.1'] } },
    ]);
    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 3);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('never shows the secret key in an error', async () => {
    r53.on(ListHostedZonesCommand).rejects(r53Error('InvalidClientTokenId', `bad key ${ACCESS_KEY_ID}`));
    const err = await makeDns()
      .driver.listZones()
      .catch((e) => e);
    expect(err.code).toBe('provider_auth_failed');
    expect(err.message).not.toContain(ACCESS_KEY_ID);
  });
});
