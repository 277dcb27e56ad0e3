/** What a cloud offers, as GET /v1/clouds/{id}/images|sizes|locations answers it (lib/providers/compute.ts). */
import { z } from 'zod';

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
