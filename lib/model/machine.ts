import { z } from 'zod';
import { CAPABILITIES, MACHINE_ACTIONS, PROVIDERS } from '../providers/capabilities.js';
import { MACHINE_STATES } from '../providers/compute.js';
import { CloudId } from './cloud.js';
import { idSchema, Name, NulFreeString, Tags, Timestamp } from './common.js';
import { Condition } from './condition.js';
import { listQuery, pageOf } from './list.js';
import { MachineNetworkRef } from './network.js';
import { LatestProbeView } from './probe.js';

export const MachineId = idSchema('machine');

export const MachineView = z
  .object({
    id: MachineId,
    cloudId: z.string(),
    provider: z.enum(PROVIDERS),
    externalId: z.string(),
    name: z.string(),
    state: z.enum(MACHINE_STATES),
    region: z.string(),
    location: z.string().nullable(),
    size: z.string().nullable(),
    image: z.string().nullable(),
    publicIps: z.array(z.string()),
    privateIps: z.array(z.string()),
    tags: z.record(z.string(), z.string()),
    launchedAt: Timestamp.nullable().describe(
      "The provider's launch time (resets on start for some providers)",
    ),
    hourlyCost: z
      .number()
      .nullable()
      .describe('Per hour, in price.currency; null when unknown (price.reason says why)'),
    price: z
      .object({
        currency: z
          .string()
          .nullable()
          .describe('ISO 4217 (USD, EUR; Hetzner: EUR without VAT); null when unknown'),
        source: z
          .string()
          .nullable()
          .describe('Where the price comes from: aws-price-list, digitalocean-api, hetzner-api, sim-catalog'),
        reason: z.string().nullable().describe('Why hourlyCost is null; null when it is known'),
      })
      .nullable()
      .describe("hourlyCost's currency and source; null for machines not polled since prices were added"),
    actions: z.record(z.string(), z.boolean()).describe('What can be done in the current state'),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    missingSince: Timestamp.nullable().describe('Set when the last poll did not find it'),
    extra: z.record(z.string(), z.unknown()),
    probe: LatestProbeView.nullable().describe('The latest probe; null until the first'),
    unreachableSince: Timestamp.nullable().describe('First failed probe of the current outage'),
    sshHostKey: z
      .object({ fingerprint: z.string(), pinnedAt: Timestamp })
      .nullable()
      .describe('The SSH host key pinned at first contact; another key is refused until it is reset'),
    network: MachineNetworkRef.nullable().optional().describe('Its network (on GET of one machine)'),
    subnet: MachineNetworkRef.nullable().optional().describe('Its subnet (on GET of one machine)'),
  })
  .meta({ id: 'Machine' });
export type MachineView = z.infer<typeof MachineView>;

const TagFilter = NulFreeString.min(1).max(256).describe('key or key=value');

/** `?conditions=`: the conditions grammar, JSON-encoded in one query parameter. */
const ConditionsParam = NulFreeString.max(8192)
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be conditions as JSON: not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(Condition)
  .describe(
    'Conditions as in POST /v1/conditions/preview, JSON-encoded (e.g. {"field":"size","op":"eq","value":"small"}); ' +
      'invalid JSON or a condition outside the grammar answers 400 naming the part',
  );

export const MachineListQuery = listQuery(['name', 'state', 'firstSeenAt', 'lastSeenAt'], 'name').extend({
  state: z.enum(MACHINE_STATES).optional(),
  cloud: CloudId.optional(),
  tag: TagFilter.optional(),
  region: NulFreeString.min(1).max(64).optional().describe('Machines in this region'),
  conditions: ConditionsParam.optional(),
  missing: z
    .enum(['true', 'false', 'any'])
    .default('false')
    .describe('Include machines the last poll did not find'),
});

export const MachinePage = pageOf(MachineView, 'MachinePage');

export const MachineActionName = z.enum(MACHINE_ACTIONS);

/** An action's parameters where it is stored or sent for later (schedules, commands). */
export const ActionParams = z.strictObject({
  size: z.string().min(1).max(64).optional().describe('resize: the new size id'),
  name: Name.optional().describe('rename: the new name'),
  force: z
    .boolean()
    .optional()
    .describe(
      'stop, reboot: cut the power instead of asking the guest (a power-off, a power cycle or reset), where the provider can',
    ),
});

/**
 * checkAction's rules on parameters, decided at the edge, so that nothing stores or sends an action that
 * cannot run: resize needs a size, rename a name, and neither belongs to another action.
 */
export function refineActionParams(
  a: { action: string; params?: { size?: string; name?: string; force?: boolean } | undefined },
  ctx: z.RefinementCtx,
): void {
  if (a.action === 'resize' && !a.params?.size) {
    ctx.addIssue({
      code: 'custom',
      path: ['params', 'size'],
      message: 'resize needs "size": the new size id',
    });
  }
  if (a.action === 'rename' && !a.params?.name) {
    ctx.addIssue({ code: 'custom', path: ['params', 'name'], message: 'rename needs "name": the new name' });
  }
  if (a.action !== 'resize' && a.params?.size !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['params', 'size'], message: 'size applies to resize only' });
  }
  if (a.action !== 'rename' && a.params?.name !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['params', 'name'], message: 'name applies to rename only' });
  }
  if (a.action !== 'stop' && a.action !== 'reboot' && a.params?.force !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['params', 'force'],
      message: 'force applies to stop and reboot only',
    });
  }
}

/** Per-action bodies: resize needs a size, rename a name; the others take none. */
export const MachineActionBody = z
  .strictObject({
    size: z.string().min(1).max(64).optional().describe('resize: the new size id'),
    name: Name.optional().describe('rename: the new name'),
    force: z
      .boolean()
      .optional()
      .describe(
        'stop, reboot: cut the power instead of asking the guest (a power-off, a power cycle or reset), where the provider can',
      ),
  })
  .meta({ id: 'MachineActionRequest' });

export const SnapshotBody = z.strictObject({ name: Name }).meta({ id: 'CreateSnapshotRequest' });

/** Each provider's snapshot id shape (providers without snapshots have none). */
const snapshotShapes = PROVIDERS.flatMap((p) => {
  const ids = CAPABILITIES[p].snapshotIds;
  return ids ? [{ provider: p, ...ids }] : [];
});

/** The shapes in words, for messages and the OpenAPI descriptions. */
export const SNAPSHOT_ID_SHAPES = snapshotShapes.map((s) => `${s.provider}: ${s.shape}`).join('; ');

/**
 * A snapshot id in a path: one of the providers' shapes, nothing else (no dots, slashes or percent signs
 * reach a job). Which provider's shape is checked against the machine once it is loaded.
 */
export const SnapshotId = z
  .string()
  .max(64)
  .regex(
    new RegExp(`^(?:${snapshotShapes.map((s) => s.pattern.source.replace(/^\^|\$$/g, '')).join('|')})$`),
    `must be a snapshot id as GET /v1/machines/{id}/snapshots lists them: ${SNAPSHOT_ID_SHAPES}`,
  )
  .describe(
    `One of the machine's snapshots, as GET /v1/machines/{id}/snapshots lists them: ${SNAPSHOT_ID_SHAPES}`,
  );

export const SnapshotView = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: Timestamp,
    state: z.enum(['pending', 'completed', 'error']),
  })
  .meta({ id: 'Snapshot' });

export const CreateMachineBody = z
  .strictObject({
    name: Name,
    region: z.string().min(1).max(64),
    image: z
      .string()
      .min(1)
      .max(512)
      .describe(
        'aws: an AMI id; gcp: an image path (projects/debian-cloud/global/images/family/debian-12); ' +
          'azure: publisher:offer:sku:version or an image id',
      ),
    size: z.string().min(1).max(64),
    location: z.string().min(1).max(64).optional(),
    subnetId: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe("The provider's subnet id (aws subnet-...; azure the subnet's ARM id, required there)"),
    keyName: z.string().min(1).max(255).optional(),
    userData: z.string().max(16_384).optional().describe('cloud-init or a script, run at first boot'),
    tags: Tags.optional(),
  })
  .meta({ id: 'CreateMachineRequest' });
