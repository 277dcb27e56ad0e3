/**
 * What the EC2 network driver does that is AWS-specific: mapping VPCs and subnets, one listing per region,
 * request shapes with the Name tag, the mapping of EC2 errors. What every network driver does is in the
 * conformance suite (test/conformance/network-aws.test.ts, over the stateful fake EC2).
 */
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../../lib/core/errors.js';
import { AwsNetworkDriver } from '../../../lib/providers/aws/network.js';
import {
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';
import { ACCESS_KEY_ID, awsError, SECRET_ACCESS_KEY } from './fixtures.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterAll(() => ec2.restore());

function makeNet(regions = ['eu-west-1']) {
  return new AwsNetworkDriver(
    {
      cloudId: 'cloud-1',
      regions,
      credentials: { type: 'accessKeys', accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    },
    { sleep: vi.fn(async () => {}), random: () => 0.5 },
  );
}

describe('EC2 networks', () => {
  it('maps a VPC: named by its Name tag or else its id, a default VPC, a state AWS left out', async () => {
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: 'vpc-1',
          CidrBlock: '10.0.0.0/16',
          State: 'available',
          IsDefault: false,
          Tags: [{ Key: 'Name', Value: 'prod' }],
        },
        { VpcId: 'vpc-2', CidrBlock: '172.31.0.0/16', IsDefault: true },
      ],
    });
    const nets = await makeNet().listNetworks();
    expect(nets).toEqual([
      {
        externalId: 'vpc-1',
        name: 'prod',
        cidr: '10.0.0.0/16',
        region: 'eu-west-1',
        state: 'available',
        isDefault: false,
        tags: { Name: 'prod' },
      },
      {
        externalId: 'vpc-2',
        name: 'vpc-2',
        cidr: '172.31.0.0/16',
        region: 'eu-west-1',
        state: 'unknown',
        isDefault: true,
        tags: {},
      },
    ]);
  });

  it('lists subnets of every region', async () => {
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        {
          SubnetId: 'subnet-1',
          VpcId: 'vpc-1',
          CidrBlock: '10.0.1.0/24',
          AvailabilityZone: 'eu-west-1a',
          AvailableIpAddressCount: 251,
          State: 'available',
        },
      ],
    });
    const subnets = await makeNet(['eu-west-1', 'us-east-1']).listSubnets();
    expect(subnets.map((s) => [s.externalId, s.region, s.availableIps])).toEqual([
      ['subnet-1', 'eu-west-1', 251],
      ['subnet-1', 'us-east-1', 251],
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSubnetsCommand, 2);
  });

  it('creates a VPC with its Name tag', async () => {
    ec2
      .on(CreateVpcCommand)
      .resolves({ Vpc: { VpcId: 'vpc-9', CidrBlock: '10.9.0.0/16', State: 'pending' } });
    const net = await makeNet().createNetwork({
      name: 'lab',
      cidr: '10.9.0.0/16',
      region: 'eu-west-1',
      tags: { team: 'core' },
    });
    expect(net).toMatchObject({ externalId: 'vpc-9', name: 'vpc-9', state: 'pending', cidr: '10.9.0.0/16' });
    expect(ec2).toHaveReceivedCommandWith(CreateVpcCommand, {
      CidrBlock: '10.9.0.0/16',
      TagSpecifications: [
        {
          ResourceType: 'vpc',
          Tags: [
            { Key: 'team', Value: 'core' },
            { Key: 'Name', Value: 'lab' },
          ],
        },
      ],
    });
  });

  it('maps subnet errors: conflict, invalid range, unknown VPC, unknown subnet', async () => {
    const req = {
      name: 'x',
      cidr: '10.0.1.0/24',
      region: 'eu-west-1',
      networkExternalId: 'vpc-1',
      availabilityZone: 'eu-west-1a',
    };
    ec2
      .on(CreateSubnetCommand)
      .rejectsOnce(awsError('InvalidSubnet.Conflict', 'The CIDR conflicts'))
      .rejectsOnce(awsError('InvalidSubnet.Range', 'The CIDR is invalid'))
      .rejectsOnce(awsError('InvalidVpcID.NotFound', "The vpc ID 'vpc-1' does not exist"));
    await expect(makeNet().createSubnet(req)).rejects.toBeInstanceOf(ProviderConflictError);
    await expect(makeNet().createSubnet(req)).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(makeNet().createSubnet(req)).rejects.toBeInstanceOf(ProviderNotFoundError);
    ec2.on(DeleteSubnetCommand).rejects(awsError('InvalidSubnetID.NotFound', 'no such subnet'));
    await expect(
      makeNet().deleteSubnet({ externalId: 'subnet-0', region: 'eu-west-1' }),
    ).rejects.toBeInstanceOf(ProviderNotFoundError);
  });

  it('maps VpcLimitExceeded to a rejection and an unexpected server fault to a provider error', async () => {
    ec2
      .on(CreateVpcCommand)
      .rejectsOnce(awsError('VpcLimitExceeded', 'The maximum number of VPCs has been reached.'))
      .rejectsOnce(awsError('InternalError', 'boom', 'server'));
    const limit = await makeNet()
      .createNetwork({ name: 'x', cidr: '10.0.0.0/16', region: 'eu-west-1' })
      .catch((e) => e);
    expect(limit).toBeInstanceOf(ProviderRejectedError);
    const internal = await makeNet()
      .createNetwork({ name: 'x', cidr: '10.0.0.0/16', region: 'eu-west-1' })
      .catch((e) => e);
    expect(internal).toBeInstanceOf(ProviderError);
    expect(internal).not.toBeInstanceOf(ProviderRejectedError);
  });
});
