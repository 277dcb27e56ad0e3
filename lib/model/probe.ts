/** Probes as the API shows them: the latest on a machine, the history, and a cloud's probe settings. */
import { z } from 'zod';
import { Timestamp } from './common.js';
import { listQuery, pageOf } from './list.js';

const Rtt = z
  .object({ min: z.number(), avg: z.number(), max: z.number(), stddev: z.number() })
  .describe('Round-trip times in ms over the attempts that connected');

export const TcpProbeResultView = z
  .object({
    host: z.string(),
    port: z.number().int(),
    reachable: z.boolean().describe('At least one attempt connected'),
    attempts: z.number().int(),
    received: z.number().int(),
    lossPercent: z.number().describe('0-100'),
    rttMs: Rtt.nullable(),
    error: z.string().nullable().describe('Why the last failed attempt failed'),
    simulated: z.boolean().optional().describe('Answered by the simulator, not the network'),
  })
  .meta({ id: 'TcpProbeResult' });

export const SshFactsView = z
  .object({
    uptimeSeconds: z.number().nullable(),
    loadAverage: z.tuple([z.number(), z.number(), z.number()]).nullable().describe('1, 5, 15 minutes'),
    cores: z.number().int().nullable(),
    memory: z
      .object({ totalBytes: z.number(), availableBytes: z.number(), usedPercent: z.number() })
      .nullable(),
    disk: z
      .object({
        mount: z.string(),
        totalBytes: z.number(),
        usedBytes: z.number(),
        availableBytes: z.number(),
        usedPercent: z.number(),
      })
      .nullable(),
    kernel: z.string().nullable(),
    distribution: z
      .object({
        id: z.string().nullable(),
        name: z.string().nullable(),
        version: z.string().nullable(),
        prettyName: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'SshFacts' });

export const SshProbeResultView = z
  .object({
    ok: z.boolean(),
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    durationMs: z.number(),
    facts: SshFactsView.nullable(),
  })
  .meta({ id: 'SshProbeResult' });

export const LatestProbeView = z
  .object({ at: Timestamp, tcp: TcpProbeResultView, ssh: SshProbeResultView.nullable() })
  .meta({ id: 'LatestProbe' });

export const ProbeView = z
  .discriminatedUnion('kind', [
    z.object({
      id: z.string(),
      machineId: z.string(),
      at: Timestamp,
      kind: z.literal('tcp'),
      result: TcpProbeResultView,
    }),
    z.object({
      id: z.string(),
      machineId: z.string(),
      at: Timestamp,
      kind: z.literal('ssh'),
      result: SshProbeResultView,
    }),
  ])
  .meta({ id: 'Probe' });
export type ProbeView = z.infer<typeof ProbeView>;

export const ProbeListQuery = listQuery(['at'], '-at')
  .omit({ q: true })
  .extend({ kind: z.enum(['tcp', 'ssh']).optional() });

export const ProbePage = pageOf(ProbeView, 'ProbePage');

const Settings = {
  enabled: z.boolean().describe('Periodic probes (an on-demand probe works either way)'),
  intervalMinutes: z.number().int().min(1).max(1440).describe('Minutes between periodic probes'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .nullable()
    .describe("TCP probe port; null: the machine's SSH port"),
  attempts: z.number().int().min(1).max(10).describe('TCP connections per probe'),
  timeoutMs: z.number().int().min(100).max(10_000).describe('Per connection attempt'),
  retentionDays: z.number().int().min(1).max(365).describe('Days the probe history is kept'),
};

export const ProbeSettingsView = z.object(Settings).meta({ id: 'ProbeSettings' });
export type ProbeSettings = z.infer<typeof ProbeSettingsView>;

export const UpdateProbeSettingsBody = z
  .strictObject({
    enabled: Settings.enabled.optional(),
    intervalMinutes: Settings.intervalMinutes.optional(),
    port: Settings.port.optional(),
    attempts: Settings.attempts.optional(),
    timeoutMs: Settings.timeoutMs.optional(),
    retentionDays: Settings.retentionDays.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one setting')
  .meta({ id: 'UpdateProbeSettingsRequest' });
