/**
 * What is stored in MongoDB. Every tenant document carries `orgId`; dates are BSON dates; ids are our own
 * prefixed strings (lib/model/common.ts), used as `_id`.
 */

import type { SealedValue } from '../crypto/sealed.js';
import type { ConditionNode } from '../model/condition.js';
import type { MachineEventType } from '../model/events/event.js';
import type { JobStatus, JobType } from '../model/job.js';
import type { ProbeSettings } from '../model/probe.js';
import type { Role } from '../model/role.js';
import type { TcpProbeResult } from '../net/tcp-probe.js';
import type { ActionFlags, Provider } from '../providers/capabilities.js';
import type { MachinePrice, MachineState } from '../providers/compute.js';
import type { SshProbeResult } from '../ssh/facts.js';

export interface OrgDoc {
  _id: string;
  name: string;
  createdAt: Date;
  /** Days audit events are kept (TTL). */
  auditRetentionDays: number;
}

export interface TokenDoc {
  _id: string;
  orgId: string;
  name: string;
  role: Role;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  prefix: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AuditDoc {
  _id: string;
  orgId: string;
  time: Date;
  actor: { type: 'token' | 'system'; id: string; name: string };
  action: string;
  resource: { type: string; id: string; name?: string };
  result: 'success' | 'failure';
  error?: { code: string; message: string };
  requestId?: string;
  jobId?: string;
  details?: Record<string, unknown>;
  /** time + the org's retention: a TTL index removes the event then. */
  expireAt: Date;
}

export interface JobDoc {
  _id: string;
  orgId: string;
  type: JobType;
  status: JobStatus;
  resource: { type: string; id: string };
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  attempts: number;
  maxAttempts: number;
  /** While running: when another worker may take the job over (a crashed worker's lease runs out). */
  leaseUntil: Date | null;
  actor: { type: 'token' | 'system'; id: string; name: string };
  requestId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Finished jobs are removed after a while (TTL). */
  expireAt: Date | null;
  /** When the sweep last sent a message for it, its own having been lost (lib/jobs/sweep.ts). */
  resentAt?: Date | null;
}

export interface CloudDoc {
  _id: string;
  orgId: string;
  name: string;
  provider: Provider;
  enabled: boolean;
  disabledReason: string | null;
  regions: string[];
  /** Non-secret provider settings (the simulator's fleet and faults). */
  settings: Record<string, unknown> | null;
  /** Sealed JSON of the provider credentials; opened only to build a driver. */
  credentials: SealedValue | null;
  /** What kind of credentials, safe to show. */
  credentialsSummary: { type: string; roleArn?: string; account?: string } | null;
  pollIntervalMinutes: number;
  nextPollAt: Date | null;
  lastPollAt: Date | null;
  lastPollError: { code: string; message: string; at: Date } | null;
  consecutiveFailures: number;
  /** When the current run of failed polls began; null while polls succeed. */
  failingSince?: Date | null;
  /** When the pending follow-up poll (after machine actions) runs; one at a time per cloud. */
  followUpPollAt?: Date | null;
  /** Probe settings as set through the API; absent: the provider's defaults (probes/rules.ts). */
  probes?: Partial<ProbeSettings> | null;
  /** The DNS and network parts of the last poll failed (the machines part is reported above); null when fine. */
  resourcePollErrors?: Partial<Record<'dns' | 'network', { code: string; message: string; at: Date } | null>>;
  createdAt: Date;
  updatedAt: Date;
}

export interface MachineDoc {
  _id: string;
  orgId: string;
  cloudId: string;
  provider: Provider;
  externalId: string;
  name: string;
  state: MachineState;
  region: string;
  location: string | null;
  size: string | null;
  image: string | null;
  publicIps: string[];
  privateIps: string[];
  /** As a list, so keys with dots or dollars stay queryable (AWS allows both). */
  tags: Array<{ k: string; v: string }>;
  launchedAt: Date | null;
  hourlyCost: number | null;
  /** hourlyCost's currency and source, or why it is null (absent on machines polled before prices). */
  price?: MachinePrice | null;
  /** What can be done in the current state (recomputed on every poll). */
  actions: ActionFlags;
  extra: Record<string, string | number | boolean | null>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Set when a poll no longer finds it; cleared when it is back. Missing machines are never erased. */
  missingSince: Date | null;
  updatedAt: Date;
  /** The latest probe: TCP reachability, and the SSH facts where a key is associated. */
  probe?: LatestProbe | null;
  /** The first failed probe of the current outage; cleared by a successful probe. */
  unreachableSince?: Date | null;
  /** When the periodic probe is next due; absent or null: at the next tick. */
  nextProbeAt?: Date | null;
  /** The SSH host key pinned at the first connection (trust on first use); a different key is refused. */
  sshHostKey?: { fingerprint: string; pinnedAt: Date } | null;
}

export interface LatestProbe {
  at: Date;
  tcp: TcpProbeResult;
  ssh: SshProbeResult | null;
}

/** The probe history, one document per probe and kind; removed after the cloud's retention (TTL). */
export interface ProbeDoc {
  _id: string;
  orgId: string;
  cloudId: string;
  machineId: string;
  at: Date;
  kind: 'tcp' | 'ssh';
  result: TcpProbeResult | SshProbeResult;
  expireAt: Date;
}

/** An SSH key pair of an org. The private key (and its passphrase) are sealed, opened only to connect. */
export interface KeyDoc {
  _id: string;
  orgId: string;
  name: string;
  algorithm: string;
  /** One authorized_keys line. */
  publicKey: string;
  fingerprint: string;
  privateKey: SealedValue;
  /** Sealed passphrase of an encrypted private key (kept encrypted, as imported). */
  passphrase: SealedValue | null;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A key deployed to a machine for a user and port (mist's KeyMachineAssociation). */
export interface KeyAssociationDoc {
  _id: string;
  orgId: string;
  keyId: string;
  machineId: string;
  user: string;
  port: number;
  /**
   * Nimbo appended the authorized_keys line (true), or found the key already authorized (false): only a
   * line Nimbo added is removed on disassociation. Absent on associations recorded before it was kept
   * (those count as added, as they were treated then).
   */
  added?: boolean;
  createdAt: Date;
  /** The last time a login with it worked. */
  lastUsedAt: Date | null;
}

/** One per periodic task key (e.g. poll:<cloudId>): an atomic lease and the task's history. */
export interface PeriodicTaskDoc {
  _id: string;
  lockId: string | null;
  lockedUntil: Date | null;
  lastStartedAt: Date | null;
  lastSucceededAt: Date | null;
  lastFailedAt: Date | null;
  lastError: { code: string; message: string } | null;
  /** Consecutive failures; reset by a success. */
  failureCount: number;
}

/** What every polled provider resource (zone, record, network, subnet) keeps, as machines do. */
export interface PolledDoc {
  _id: string;
  orgId: string;
  cloudId: string;
  externalId: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Set when a poll no longer finds it; cleared when it is back. */
  missingSince: Date | null;
  updatedAt: Date;
}

export interface ZoneDoc extends PolledDoc {
  provider: Provider;
  /** Fully qualified, lowercase, trailing dot. */
  name: string;
  private: boolean;
  comment: string | null;
  vpcs: Array<{ region: string; vpcId: string }>;
  recordCount: number | null;
  /** The last change Nimbo made to the zone (or its records), as the provider reported it. */
  lastChange?: { id: string; status: 'PENDING' | 'INSYNC'; submittedAt: Date } | null;
}

/** A record set; externalId is its identity in the zone: name|type|setIdentifier. */
export interface RecordDoc extends PolledDoc {
  zoneId: string;
  name: string;
  type: string;
  ttl: number | null;
  values: string[];
  alias: { dnsName: string; zoneId: string } | null;
  setIdentifier: string | null;
}

export interface NetworkDoc extends PolledDoc {
  provider: Provider;
  name: string;
  cidr: string;
  region: string;
  state: string;
  isDefault: boolean;
  tags: Array<{ k: string; v: string }>;
}

export interface SubnetDoc extends PolledDoc {
  /** Our network's id (null until the network itself is known). */
  networkId: string | null;
  networkExternalId: string;
  name: string;
  cidr: string;
  region: string;
  availabilityZone: string;
  availableIps: number | null;
  state: string;
  tags: Array<{ k: string; v: string }>;
}

/** An event as it happened: the outbox its deliveries are made from (lib/events). */
export interface EventDoc {
  _id: string;
  orgId: string;
  type: string;
  timestamp: Date;
  data: Record<string, unknown>;
  expireAt: Date;
  /** When its publication to the event bus was last queued; absent when no bus was configured then. */
  publishQueuedAt?: Date;
  /** When the bus took it; null (or absent) until then. */
  publishedAt?: Date | null;
  /** The bus refused it for good (too large, malformed): never sent again, and why. */
  publishRefused?: { code: string; message: string; at: Date } | null;
}

/** Where an org's events go. The signing secret is sealed; the previous one signs along until it expires. */
export interface WebhookDoc {
  _id: string;
  orgId: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  secret: SealedValue;
  previousSecret: { sealed: SealedValue; expiresAt: Date } | null;
  secretRotatedAt: Date | null;
  /** The first failed delivery since the last success: sustained failure disables the webhook. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One event for one webhook, tried until it is delivered or retries run out. */
export interface DeliveryDoc {
  _id: string;
  orgId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'retrying' | 'failed';
  attempt: number;
  nextAttemptAt: Date | null;
  lastAttempt: DeliveryAttempt | null;
  /** Every attempt, oldest first (at most MAX_DELIVERY_ATTEMPTS); absent on deliveries made before. */
  attempts?: DeliveryAttempt[];
  createdAt: Date;
  expireAt: Date;
}

export interface DeliveryAttempt {
  at: Date;
  latencyMs: number;
  responseCode: number | null;
  error: string | null;
}

/** "When <event> on machines matching <conditions> (for N minutes) notify <webhooks>" (lib/rules). */
export interface RuleDoc {
  _id: string;
  orgId: string;
  name: string;
  event: MachineEventType;
  /** machine.state_changed only: just the changes to this state. */
  to: MachineState | null;
  /** null: every machine of the org. */
  conditions: ConditionNode | null;
  /** null: fires at once; else only if the situation still holds this long after it began. */
  forMinutes: number | null;
  webhookIds: string[];
  enabled: boolean;
  lastFiredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The machine an event is about, as the event names it (the MachineRef of lib/model/events/event.ts). */
export interface EventMachineRef {
  machineId: string;
  cloudId: string;
  provider: Provider;
  externalId: string;
  name: string;
  region: string;
}

/**
 * One rule matched by one event on one machine: fired at once, or pending until `dueAt` and then fired or
 * dropped. At most one is pending per rule and machine (a unique partial index), and one exists per rule
 * and event (a unique index), so a redelivered evaluation acts once.
 */
export interface RuleFiringDoc {
  _id: string;
  orgId: string;
  ruleId: string;
  machineId: string;
  event: { id: string; type: MachineEventType; at: Date; to: MachineState | null };
  machine: EventMachineRef;
  /** When the situation began: the event's time, or for machine.unreachable the outage's first failed probe. */
  heldSince: Date;
  dueAt: Date;
  forMinutes: number | null;
  status: 'pending' | 'fired' | 'dropped';
  /** Why a firing was dropped (the situation ended, the rule changed...). */
  reason: string | null;
  /** The rule.triggered event it recorded. */
  triggeredEventId: string | null;
  createdAt: Date;
  settledAt: Date | null;
  expireAt: Date;
}
