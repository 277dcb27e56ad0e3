/**
 * What the AWS compute driver does that is AWS-specific: how an EC2 instance maps to a machine, how regions
 * are asked (in parallel, once each, failing as a whole), the SDK settings and the shape of RunInstances.
 * What every driver does (actions, listing across pages, errors, throttling) is in the conformance suite
 * (test/conformance/compute-aws.test.ts, over the stateful fake EC2).
 */
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, ProviderError } from '../../../lib/core/errors.js';
import { awsError, instance, makeDriver } from './fixtures.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterAll(() => ec2.restore());

describe('listing machines', () => {
  it('maps an instance to a provider machine: name, state, placement, all addresses, tags, extras', async () => {
    const launched = new Date('2026-11-20T08:00:00Z');
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            instance('i-1', {
              Tags: [
                { Key: 'Name', Value: 'api-1' },
                { Key: 'env', Value: 'prod' },
              ],
              LaunchTime: launched,
              InstanceType: 'm7g.large',
              ImageId: 'ami-42',
              Placement: { AvailabilityZone: 'us-east-1b' },
              PublicIpAddress: '203.0.113.5',
              PrivateIpAddress: '10.0.0.5',
              NetworkInterfaces: [
                {
                  PrivateIpAddress: '10.0.0.5',
                  Association: { PublicIp: '203.0.113.5' },
                  PrivateIpAddresses: [
                    { PrivateIpAddress: '10.0.0.5', Association: { PublicIp: '203.0.113.5' } },
                    { PrivateIpAddress: '10.0.0.6' },
                  ],
                  Ipv6Addresses: [{ Ipv6Address: '2600:1f18::1' }],
                },
                { PrivateIpAddress: '10.0.1.7', Association: { PublicIp: '198.51.100.7' } },
              ],
              VpcId: 'vpc-1',
              SubnetId: 'subnet-1',
              KeyName: 'ops',
              PlatformDetails: 'Linux/UNIX',
              Architecture: 'arm64',
            }),
          ],
        },
      ],
    });
    const { driver } = makeDriver();
    const [m] = await driver.listMachines();
    expect(m).toEqual({
      externalId: 'i-1',
      name: 'api-1',
      state: 'running',
      region: 'us-east-1',
      location: 'us-east-1b',
      size: 'm7g.large',
      image: 'ami-42',
      publicIps: ['203.0.113.5', '2600:1f18::1', '198.51.100.7'],
      privateIps: ['10.0.0.5', '10.0.0.6', '10.0.1.7'],
      tags: { Name: 'api-1', env: 'prod' },
      launchedAt: launched,
      extra: {
        vpcId: 'vpc-1',
        subnetId: 'subnet-1',
        keyName: 'ops',
        platform: 'Linux/UNIX',
        architecture: 'arm64',
      },
    });
  });

  it('names an untagged instance by its id and maps every EC2 state', async () => {
    const states = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'weird'];
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: states.map((s, n) =>
            instance(`i-${n}`, { Tags: undefined, State: { Name: s as 'running' } }),
          ),
        },
      ],
    });
    const { driver } = makeDriver();
    const machines = await driver.listMachines();
    expect(machines.map((m) => m.state)).toEqual([
      'pending',
      'running',
      'stopping',
      'stopped',
      'terminated',
      'terminated',
      'unknown',
    ]);
    expect(machines[0]!.name).toBe('i-0');
    expect(machines[0]!.tags).toEqual({});
  });

  it('asks every region in parallel and sets the region on each machine', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const region = await getClient().config.region();
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return { Reservations: [{ Instances: [instance(`i-${region}`)] }] };
    });
    const { driver } = makeDriver({ regions: ['us-east-1', 'eu-west-1'] });
    const machines = await driver.listMachines();
    expect(machines.map((m) => [m.externalId, m.region])).toEqual([
      ['i-us-east-1', 'us-east-1'],
      ['i-eu-west-1', 'eu-west-1'],
    ]);
    expect(maxInFlight).toBe(2);
  });

  it('fails the whole listing, naming the region, when one region fails', async () => {
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'eu-west-1')
        throw awsError('InternalError', 'We encountered an internal error', 'server');
      return { Reservations: [{ Instances: [instance('i-1')] }] };
    });
    const { driver } = makeDriver({ regions: ['us-east-1', 'eu-west-1'] });
    const err = await driver.listMachines().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toContain('eu-west-1');
    expect((err as Error).message).toContain('AWS InternalError: We encountered an internal error');
  });

  it('asks a region listed twice only once', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-1')] }] });
    const { driver } = makeDriver({ regions: ['us-east-1', 'us-east-1'] });
    expect(await driver.listMachines()).toHaveLength(1);
  });

  it('gives each regional client few SDK retries, leaving throttling to our backoff', async () => {
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const client = getClient() as EC2Client;
      expect(await client.config.maxAttempts()).toBe(2);
      return { Reservations: [] };
    });
    const { driver } = makeDriver();
    await driver.listMachines();
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
  });

  it('refuses a cloud with no region', () => {
    expect(() => makeDriver({ regions: [] })).toThrow(ConfigurationError);
  });
});

describe('checking the connection', () => {
  it('makes one cheap DescribeInstances call in every region', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const { driver } = makeDriver({ regions: ['us-east-1', 'ap-south-1'] });
    await driver.checkConnection();
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { MaxResults: 5 });
  });
});

describe('creating a machine', () => {
  it('runs one instance with base64 user data, its placement and Name plus the given tags', async () => {
    ec2.on(RunInstancesCommand).resolves({
      Instances: [
        instance('i-new', { State: { Name: 'pending' }, Tags: [{ Key: 'Name', Value: 'worker' }] }),
      ],
    });
    const { driver } = makeDriver();
    const machine = await driver.createMachine({
      name: 'worker',
      region: 'eu-west-1',
      image: 'ami-0abc',
      size: 't3.small',
      location: 'eu-west-1c',
      subnetId: 'subnet-9',
      keyName: 'ops',
      userData: '#!/bin/sh\necho héllo\n',
      tags: { team: 'infra', Name: 'overridden' },
    });
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, {
      ImageId: 'ami-0abc',
      InstanceType: 't3.small',
      MinCount: 1,
      MaxCount: 1,
      KeyName: 'ops',
      SubnetId: 'subnet-9',
      UserData: Buffer.from('#!/bin/sh\necho héllo\n', 'utf8').toString('base64'),
      Placement: { AvailabilityZone: 'eu-west-1c' },
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'team', Value: 'infra' },
            { Key: 'Name', Value: 'worker' },
          ],
        },
      ],
    });
    expect(machine).toMatchObject({
      externalId: 'i-new',
      name: 'worker',
      state: 'pending',
      region: 'eu-west-1',
    });
  });

  it('leaves out what was not asked for, and keeps one ClientToken across throttled retries', async () => {
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.'))
      .resolves({ Instances: [instance('i-new')] });
    const { driver } = makeDriver();
    await driver.createMachine({ name: 'n', region: 'us-east-1', image: 'ami-1', size: 't3.nano' });
    const calls = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.ClientToken).toEqual(expect.any(String));
    expect(calls[1]!.ClientToken).toBe(calls[0]!.ClientToken);
    for (const key of ['KeyName', 'SubnetId', 'UserData', 'Placement'] as const) {
      expect(calls[0]![key]).toBeUndefined();
    }
  });
});
