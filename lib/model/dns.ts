/** DNS zones and records: ids, request bodies (shape only: values are checked per type by lib/net), views. */
import { z } from 'zod';
import { RECORD_TYPES } from '../net/record-values.js';
import { CloudId } from './cloud.js';
import { idSchema, Timestamp } from './common.js';
import { JobView } from './job.js';
import { listQuery, pageOf } from './list.js';

export const ZoneId = idSchema('zone');
export const RecordId = idSchema('record');

const Wait = z
  .boolean()
  .default(false)
  .describe('Also queue a job that waits until the provider reports the change INSYNC (answer 202)');

export const CreateZoneBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255).describe('The domain, e.g. example.com'),
    private: z.boolean().default(false),
    vpc: z
      .strictObject({ region: z.string().min(1).max(64), vpcId: z.string().min(1).max(64) })
      .optional()
      .describe('A private zone answers in this VPC (or give networkId)'),
    networkId: idSchema('network')
      .optional()
      .describe('A private zone answers in this network of the same cloud'),
    comment: z.string().max(256).optional(),
    wait: Wait,
  })
  .meta({ id: 'CreateZoneRequest' });
export type CreateZoneBody = z.infer<typeof CreateZoneBody>;

export const RecordBody = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .describe('"www" (relative to the zone), "@" for the apex, or a full name ending with the zone'),
    type: z.enum(RECORD_TYPES),
    ttl: z.number().int().min(0).max(2_147_483_647).default(300),
    values: z.array(z.string().max(4000)).min(1).max(100),
    wait: Wait,
  })
  .meta({ id: 'CreateRecordRequest' });
export type RecordBody = z.infer<typeof RecordBody>;

export const UpdateRecordBody = z
  .strictObject({
    ttl: z.number().int().min(0).max(2_147_483_647).optional(),
    values: z.array(z.string().max(4000)).min(1).max(100).optional(),
    wait: Wait,
  })
  .refine((b) => b.ttl !== undefined || b.values !== undefined, 'give ttl or values')
  .meta({ id: 'UpdateRecordRequest' });

export const MachineDnsBody = z
  .strictObject({
    zoneId: ZoneId,
    name: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .describe('Record name, relative to the zone ("@" for the apex) or absolute'),
    address: z.enum(['public', 'private']).default('public').describe("Which of the machine's addresses"),
    family: z.enum(['ipv4', 'ipv6']).default('ipv4').describe('ipv4 makes an A record, ipv6 an AAAA record'),
    ttl: z.number().int().min(0).max(2_147_483_647).default(300),
    wait: Wait,
  })
  .meta({ id: 'MachineDnsRequest' });

export const ChangeView = z
  .object({ id: z.string(), status: z.enum(['PENDING', 'INSYNC']), submittedAt: Timestamp })
  .meta({ id: 'DnsChange' });

export const ZoneView = z
  .object({
    id: ZoneId,
    cloudId: CloudId,
    provider: z.string(),
    externalId: z.string(),
    name: z.string(),
    private: z.boolean(),
    comment: z.string().nullable(),
    vpcs: z.array(z.object({ region: z.string(), vpcId: z.string() })),
    recordCount: z.number().int().nullable(),
    lastChange: ChangeView.nullable(),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    missingSince: Timestamp.nullable(),
  })
  .meta({ id: 'Zone' });
export type ZoneView = z.infer<typeof ZoneView>;

export const RecordView = z
  .object({
    id: RecordId,
    zoneId: ZoneId,
    name: z.string(),
    type: z.string(),
    ttl: z.number().int().nullable(),
    values: z.array(z.string()),
    alias: z.object({ dnsName: z.string(), zoneId: z.string() }).nullable(),
    setIdentifier: z.string().nullable(),
    managed: z
      .boolean()
      .describe('Whether Nimbo can change it (not SOA/apex NS, aliases or routing policies)'),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    missingSince: Timestamp.nullable(),
  })
  .meta({ id: 'Record' });
export type RecordView = z.infer<typeof RecordView>;

export const RecordChanged = z
  .object({
    record: RecordView.nullable(),
    change: ChangeView,
    job: JobView.optional(),
    links: z.object({ job: z.string() }).optional(),
  })
  .meta({ id: 'RecordChanged' });

export const ZoneCreated = z
  .object({
    zone: ZoneView,
    change: ChangeView,
    job: JobView.optional(),
    links: z.object({ job: z.string() }).optional(),
  })
  .meta({ id: 'ZoneCreated' });

const Missing = z
  .enum(['true', 'false', 'any'])
  .default('false')
  .describe('Include what the last poll did not find');

export const ZoneListQuery = listQuery(['name', 'firstSeenAt'], 'name').extend({
  private: z.enum(['true', 'false']).optional(),
  missing: Missing,
});
export const RecordListQuery = listQuery(['name', 'type', 'firstSeenAt'], 'name').extend({
  type: z
    .string()
    .regex(/^[A-Z0-9]{1,10}$/)
    .optional(),
  missing: Missing,
});
export const ZonePage = pageOf(ZoneView, 'ZonePage');
export const RecordPage = pageOf(RecordView, 'RecordPage');
export const DeleteZoneQuery = z.strictObject({
  force: z.enum(['true', 'false']).default('false').describe('Delete the records (other than SOA/NS) first'),
  wait: z.enum(['true', 'false']).default('false'),
});
export const WaitQuery = z.strictObject({ wait: z.enum(['true', 'false']).default('false') });
