import { z } from 'zod';
import { AwsCredentialsSchema } from '../providers/aws/credentials.js';
import { AzureCredentialsSchema } from '../providers/azure/credentials.js';
import { PROVIDERS } from '../providers/capabilities.js';
import { DigitalOceanCredentialsSchema } from '../providers/digitalocean/credentials.js';
import { GcpCredentialsSchema } from '../providers/gcp/credentials.js';
import { HetznerCredentialsSchema } from '../providers/hetzner/credentials.js';
import { idSchema, Name, Timestamp } from './common.js';
import { listQuery, pageOf } from './list.js';

export const CloudId = idSchema('cloud');

const PollInterval = z.number().int().min(1).max(1440).describe('Minutes between inventory polls (1-1440)');

export const AwsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1');

export const SimSettingsSchema = z
  .strictObject({
    machines: z.number().int().min(0).max(100_000).default(20).describe('Machines in the initial fleet'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .default(1)
      .describe('Same seed, same fleet'),
    transitionMs: z.number().int().min(0).max(600_000).default(3_000).describe('How long a start/stop takes'),
    latencyMs: z.number().int().min(0).max(30_000).default(0).describe('Added to every provider call'),
    faults: z
      .strictObject({
        auth: z.boolean().default(false).describe('Every call fails authentication'),
        throttleRate: z.number().min(0).max(1).default(0).describe('Share of calls throttled'),
        timeoutRate: z.number().min(0).max(1).default(0).describe('Share of calls timing out'),
      })
      .prefault({}),
  })
  .meta({ id: 'SimSettings' });

export const GcpRegion = z
  .string()
  .regex(/^[a-z]+-[a-z]+\d{1,2}$/, 'must be a Google Cloud region such as europe-west1 (not a zone)');

export const AzureLocation = z
  .string()
  .regex(/^[a-z][a-z0-9]{2,39}$/, 'must be an Azure location name such as westeurope');

export const DigitalOceanRegion = z
  .string()
  .regex(/^[a-z]{3}\d$/, 'must be a DigitalOcean region slug such as fra1');

export const HetznerLocation = z
  .string()
  .regex(/^[a-z]{3}\d?$/, 'must be a Hetzner Cloud location such as fsn1');

/** A provider API base URL instead of the public one: a local fake, a private or sovereign endpoint. */
export const EndpointUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe(
    "The provider API's base URL instead of the public one (a local fake, a private endpoint): https only in a deployed stack",
  );

/** Non-secret settings of an API-driven cloud. */
export const CloudApiSettings = z
  .strictObject({
    endpoint: EndpointUrl.optional(),
    endpointCa: z
      .string()
      .max(16_384)
      .regex(
        /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/,
        'must be a PEM certificate (-----BEGIN CERTIFICATE-----)',
      )
      .optional()
      .describe(
        "A CA certificate (PEM) to trust for the endpoint's TLS, besides the public ones (a private CA)",
      ),
  })
  .refine((s) => s.endpointCa === undefined || s.endpoint !== undefined, {
    message: 'endpointCa needs an endpoint',
    path: ['endpointCa'],
  })
  .meta({ id: 'CloudApiSettings' });

const AwsCloudCreate = z
  .strictObject({
    provider: z.literal('aws'),
    name: Name,
    regions: z.array(AwsRegion).min(1).max(32).describe('Regions this cloud spans, listed in parallel'),
    credentials: AwsCredentialsSchema,
    settings: CloudApiSettings.optional(),
    pollIntervalMinutes: PollInterval.default(10),
  })
  .meta({ id: 'CreateAwsCloudRequest' });

const GcpCloudCreate = z
  .strictObject({
    provider: z.literal('gcp'),
    name: Name,
    regions: z.array(GcpRegion).min(1).max(48).describe('Regions this cloud spans: every zone of each'),
    credentials: GcpCredentialsSchema.describe(
      'A service-account key file (JSON), as the console downloads it',
    ),
    settings: CloudApiSettings.optional(),
    pollIntervalMinutes: PollInterval.default(10),
  })
  .meta({ id: 'CreateGcpCloudRequest' });

const AzureCloudCreate = z
  .strictObject({
    provider: z.literal('azure'),
    name: Name,
    regions: z
      .array(AzureLocation)
      .min(1)
      .max(64)
      .describe('Locations this cloud spans, in every resource group'),
    credentials: AzureCredentialsSchema.describe('A service principal (client secret) and its subscription'),
    settings: CloudApiSettings.optional(),
    pollIntervalMinutes: PollInterval.default(10),
  })
  .meta({ id: 'CreateAzureCloudRequest' });

const DigitalOceanCloudCreate = z
  .strictObject({
    provider: z.literal('digitalocean'),
    name: Name,
    regions: z
      .array(DigitalOceanRegion)
      .min(1)
      .max(32)
      .describe("Regions this cloud spans: the account's droplets, VPCs and sizes there"),
    credentials: DigitalOceanCredentialsSchema.describe(
      'An API token (API > Tokens), scoped as the README says',
    ),
    settings: CloudApiSettings.optional(),
    pollIntervalMinutes: PollInterval.default(10),
  })
  .meta({ id: 'CreateDigitalOceanCloudRequest' });

const HetznerCloudCreate = z
  .strictObject({
    provider: z.literal('hetzner'),
    name: Name,
    regions: z
      .array(HetznerLocation)
      .min(1)
      .max(16)
      .describe("Locations this cloud spans (fsn1, nbg1, hel1, ash, hil, sin): the project's servers there"),
    credentials: HetznerCredentialsSchema.describe(
      "A project's API token (Read & Write); it also reaches the project's DNS zones",
    ),
    settings: CloudApiSettings.optional(),
    pollIntervalMinutes: PollInterval.default(10),
  })
  .meta({ id: 'CreateHetznerCloudRequest' });

const SimCloudCreate = z
  .strictObject({
    provider: z.literal('sim'),
    name: Name,
    settings: SimSettingsSchema.prefault({}),
    pollIntervalMinutes: PollInterval.default(10),
  })
  .meta({ id: 'CreateSimCloudRequest' });

const SshCloudCreate = z
  .strictObject({
    provider: z.literal('ssh'),
    name: Name,
    pollIntervalMinutes: PollInterval.default(60),
  })
  .describe('Bring-your-own hosts: add machines by address with POST /v1/clouds/{id}/machines')
  .meta({ id: 'CreateSshCloudRequest' });

export const CreateCloudBody = z.discriminatedUnion('provider', [
  AwsCloudCreate,
  GcpCloudCreate,
  AzureCloudCreate,
  DigitalOceanCloudCreate,
  HetznerCloudCreate,
  SimCloudCreate,
  SshCloudCreate,
]);
export type CreateCloudBody = z.infer<typeof CreateCloudBody>;

export const UpdateCloudBody = z
  .strictObject({
    name: Name.optional(),
    enabled: z.boolean().optional(),
    pollIntervalMinutes: PollInterval.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of name, enabled, pollIntervalMinutes')
  .meta({ id: 'UpdateCloudRequest' });

export const CloudView = z
  .object({
    id: CloudId,
    name: z.string(),
    provider: z.enum(PROVIDERS),
    providerLabel: z.string(),
    simulated: z.boolean().describe('True for the simulator: not a real cloud'),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    regions: z.array(z.string()),
    credentials: z
      .object({
        type: z.string(),
        roleArn: z.string().optional(),
        account: z
          .string()
          .optional()
          .describe('The service account, or the application (client) id @ tenant'),
      })
      .nullable()
      .describe('What kind of credentials, never the secrets'),
    settings: z.record(z.string(), z.unknown()).nullable(),
    pollIntervalMinutes: z.number().int(),
    lastPollAt: Timestamp.nullable(),
    nextPollAt: Timestamp.nullable(),
    lastPollError: z.object({ code: z.string(), message: z.string(), at: Timestamp }).nullable(),
    consecutiveFailures: z.number().int(),
    resourcePollErrors: z
      .record(z.string(), z.object({ code: z.string(), message: z.string(), at: Timestamp }))
      .optional()
      .describe('The DNS or network part of the last poll failed (machines were still inventoried)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Cloud' });
export type CloudView = z.infer<typeof CloudView>;

export const CloudListQuery = listQuery(['name', 'createdAt'], 'name').extend({
  provider: z.enum(PROVIDERS).optional(),
});
export const CloudPage = pageOf(CloudView, 'CloudPage');

/** What a cloud offers, as GET /v1/clouds/{id}/images|sizes|locations answers it (lib/providers/compute.ts). */
export const CatalogImage = z
  .object({
    id: z.string().describe('What a machine create takes as `image`'),
    name: z.string(),
    region: z.string(),
    os: z.string().optional(),
  })
  .meta({ id: 'CatalogImage' });

export const CatalogSize = z
  .object({
    id: z.string().describe('What a machine create or resize takes as `size`'),
    name: z.string(),
    cpus: z.number(),
    memoryMiB: z.number(),
    hourlyPrice: z
      .number()
      .optional()
      .describe("Per hour in `currency`, from the provider's own price data; absent where it gives none"),
    monthlyPrice: z
      .number()
      .optional()
      .describe('The most a month costs: billed by the hour, capped at this (digitalocean, hetzner)'),
    currency: z.string().optional().describe('ISO 4217; absent means USD (hetzner: EUR without VAT)'),
    regionPrices: z
      .record(z.string(), z.object({ hourly: z.number(), monthly: z.number() }))
      .optional()
      .describe('Prices per region where they differ (hetzner: per location)'),
  })
  .meta({ id: 'CatalogSize' });

export const CatalogLocation = z
  .object({ id: z.string(), name: z.string(), region: z.string() })
  .meta({ id: 'CatalogLocation' });
