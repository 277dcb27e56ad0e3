/** Networks and subnets: ids, request bodies (shape only: lib/net checks CIDRs and names), views. */
import { z } from 'zod';
import { CloudId } from './cloud.js';
import { idSchema, NulFreeString, Tags, Timestamp } from './common.js';
import { listQuery, pageOf } from './list.js';

export const NetworkId = idSchema('network');
export const SubnetId = idSchema('subnet');

const Cidr = z.string().trim().min(1).max(43).describe('IPv4 CIDR block, e.g. 10.0.0.0/16');

export const CreateNetworkBody = z
  .strictObject({
    name: z.string().max(256),
    cidr: Cidr.optional().describe(
      'IPv4 CIDR block, e.g. 10.0.0.0/16: required where networks have a range of their own (aws, azure, sim); ' +
        'refused for gcp, whose VPC networks have none (each subnet has its range)',
    ),
    region: z
      .string()
      .min(1)
      .max(64)
      .describe('One of the cloud\'s regions; "global" for gcp, whose VPC networks span every region'),
    tags: Tags.optional(),
  })
  .meta({ id: 'CreateNetworkRequest' });

export const CreateSubnetBody = z
  .strictObject({
    name: z.string().max(256),
    cidr: Cidr,
    region: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        "The subnet's region: required in a global network (gcp), one of the cloud's regions; elsewhere the network's",
      ),
    availabilityZone: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        "A zone of the network's region, e.g. eu-west-1a: required where subnets sit in a zone (aws, sim); " +
          'refused where they are regional (gcp, azure)',
      ),
    tags: Tags.optional(),
  })
  .meta({ id: 'CreateSubnetRequest' });

const Range = z
  .object({ first: z.string(), last: z.string(), size: z.number().int() })
  .describe('The CIDR block: first and last address, and how many addresses');

export const SubnetView = z
  .object({
    id: SubnetId,
    cloudId: CloudId,
    networkId: NetworkId.nullable(),
    externalId: z.string(),
    name: z.string(),
    cidr: z.string(),
    range: Range.nullable(),
    region: z.string(),
    availabilityZone: z.string(),
    availableIps: z.number().int().nullable(),
    state: z.string(),
    tags: z.record(z.string(), z.string()),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    missingSince: Timestamp.nullable(),
  })
  .meta({ id: 'Subnet' });
export type SubnetView = z.infer<typeof SubnetView>;

export const NetworkView = z
  .object({
    id: NetworkId,
    cloudId: CloudId,
    provider: z.string(),
    externalId: z.string(),
    name: z.string(),
    cidr: z.string(),
    range: Range.nullable(),
    region: z.string(),
    state: z.string(),
    isDefault: z.boolean(),
    tags: z.record(z.string(), z.string()),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    missingSince: Timestamp.nullable(),
  })
  .meta({ id: 'Network' });
export type NetworkView = z.infer<typeof NetworkView>;

export const NetworkDetail = NetworkView.extend({
  subnets: z.array(SubnetView),
  machines: z.number().int().describe('Machines of the inventory in this network'),
}).meta({ id: 'NetworkDetail' });

const Missing = z
  .enum(['true', 'false', 'any'])
  .default('false')
  .describe('Include what the last poll did not find');
export const NetworkListQuery = listQuery(['name', 'firstSeenAt'], 'name').extend({
  region: NulFreeString.max(64).optional(),
  missing: Missing,
});
export const SubnetListQuery = listQuery(['name', 'firstSeenAt'], 'name').extend({ missing: Missing });
export const NetworkPage = pageOf(NetworkView, 'NetworkPage');
export const SubnetPage = pageOf(SubnetView, 'SubnetPage');

/** How a machine shows its place in the network (ids are ours when the poll knows the network). */
export const MachineNetworkRef = z
  .object({
    id: z.string().nullable(),
    externalId: z.string(),
    name: z.string().nullable(),
    cidr: z.string().nullable(),
  })
  .meta({ id: 'MachineNetworkRef' });
