import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
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
  it('lists VPCs across NextToken pages, named by their Name tag', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({
        Vpcs: [
          {
            VpcId: 'vpc-1',
            CidrBlock: '10.0.0.0/16',
            State: 'available',
            IsDefault: false,
            Tags: [{ Key: 'Name', Value: 'prod' }],
          },
        ],
        NextToken: 't2',
      })
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-2', CidrBlock: '172.31.0.0/16', IsDefault: true }] });
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
    expect(ec2).toHaveReceivedNthCommandWith(DescribeVpcsCommand, 2, { NextToken: 't2' });
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

  it('creates a subnet in a VPC and availability zone', async () => {
    ec2.on(CreateSubnetCommand).resolves({
      Subnet: {
        SubnetId: 'subnet-9',
        VpcId: 'vpc-9',
        CidrBlock: '10.9.1.0/24',
        AvailabilityZone: 'eu-west-1b',
      },
    });
    const s = await makeNet().createSubnet({
      name: 'app-b',
      cidr: '10.9.1.0/24',
      region: 'eu-west-1',
      networkExternalId: 'vpc-9',
      availabilityZone: 'eu-west-1b',
    });
    expect(s).toMatchObject({
      externalId: 'subnet-9',
      networkExternalId: 'vpc-9',
      availabilityZone: 'eu-west-1b',
    });
    expect(ec2).toHaveReceivedCommandWith(CreateSubnetCommand, {
      VpcId: 'vpc-9',
      CidrBlock: '10.9.1.0/24',
      AvailabilityZone: 'eu-west-1b',
      TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: 'app-b' }] }],
    });
  });

  it('maps DeleteVpc DependencyViolation to a conflict naming the VPC', async () => {
    ec2
      .on(DeleteVpcCommand)
      .rejects(awsError('DependencyViolation', "The vpc 'vpc-1' has dependencies and cannot be deleted."));
    const err = await makeNet()
      .deleteNetwork({ externalId: 'vpc-1', region: 'eu-west-1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toBe(
      "EC2 DeleteVpc vpc-1 in eu-west-1: AWS DependencyViolation: The vpc 'vpc-1' has dependencies and cannot be deleted.",
    );
    expect(ec2).toHaveReceivedCommandWith(DeleteVpcCommand, { VpcId: 'vpc-1' });
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
