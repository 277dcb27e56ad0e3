/**
 * Collection names and their indexes, in one place. `ensureIndexes` is idempotent and runs once per
 * container: createIndexes with an identical spec is a no-op on MongoDB.
 */
import type { Collection, Db, IndexDescription } from 'mongodb';
import type {
  AuditDoc,
  CloudDoc,
  DeliveryDoc,
  EventDoc,
  JobDoc,
  KeyAssociationDoc,
  KeyDoc,
  MachineDoc,
  NetworkDoc,
  OrgDoc,
  PeriodicTaskDoc,
  ProbeDoc,
  RecordDoc,
  RuleDoc,
  RuleFiringDoc,
  SubnetDoc,
  TokenDoc,
  WebhookDoc,
  ZoneDoc,
} from './documents.js';

export interface Collections {
  orgs: Collection<OrgDoc>;
  tokens: Collection<TokenDoc>;
  audit: Collection<AuditDoc>;
  jobs: Collection<JobDoc>;
  clouds: Collection<CloudDoc>;
  machines: Collection<MachineDoc>;
  periodicTasks: Collection<PeriodicTaskDoc>;
  probes: Collection<ProbeDoc>;
  keys: Collection<KeyDoc>;
  keyAssociations: Collection<KeyAssociationDoc>;
  zones: Collection<ZoneDoc>;
  records: Collection<RecordDoc>;
  networks: Collection<NetworkDoc>;
  subnets: Collection<SubnetDoc>;
  events: Collection<EventDoc>;
  webhooks: Collection<WebhookDoc>;
  deliveries: Collection<DeliveryDoc>;
  rules: Collection<RuleDoc>;
  ruleFirings: Collection<RuleFiringDoc>;
}

export function collections(db: Db): Collections {
  return {
    orgs: db.collection<OrgDoc>('orgs'),
    tokens: db.collection<TokenDoc>('tokens'),
    audit: db.collection<AuditDoc>('audit'),
    jobs: db.collection<JobDoc>('jobs'),
    clouds: db.collection<CloudDoc>('clouds'),
    machines: db.collection<MachineDoc>('machines'),
    periodicTasks: db.collection<PeriodicTaskDoc>('periodic_tasks'),
    probes: db.collection<ProbeDoc>('probes'),
    keys: db.collection<KeyDoc>('keys'),
    keyAssociations: db.collection<KeyAssociationDoc>('key_associations'),
    zones: db.collection<ZoneDoc>('zones'),
    records: db.collection<RecordDoc>('records'),
    networks: db.collection<NetworkDoc>('networks'),
    subnets: db.collection<SubnetDoc>('subnets'),
    events: db.collection<EventDoc>('events'),
    webhooks: db.collection<WebhookDoc>('webhooks'),
    deliveries: db.collection<DeliveryDoc>('webhook_deliveries'),
    rules: db.collection<RuleDoc>('rules'),
    ruleFirings: db.collection<RuleFiringDoc>('rule_firings'),
  };
}

export const INDEXES: Record<keyof Collections, IndexDescription[]> = {
  orgs: [{ key: { name: 1 }, name: 'name_1', unique: true }],
  tokens: [
    { key: { hash: 1 }, name: 'hash_1', unique: true },
    { key: { orgId: 1, createdAt: -1 }, name: 'orgId_1_createdAt_-1' },
  ],
  audit: [
    { key: { orgId: 1, time: -1, _id: -1 }, name: 'orgId_1_time_-1__id_-1' },
    { key: { orgId: 1, 'resource.id': 1, time: -1 }, name: 'orgId_1_resource.id_1_time_-1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  clouds: [
    { key: { orgId: 1, name: 1 }, name: 'orgId_1_name_1', unique: true },
    { key: { enabled: 1, nextPollAt: 1 }, name: 'enabled_1_nextPollAt_1' },
  ],
  machines: [
    { key: { orgId: 1, cloudId: 1, externalId: 1 }, name: 'orgId_1_cloudId_1_externalId_1', unique: true },
    { key: { orgId: 1, name: 1, _id: 1 }, name: 'orgId_1_name_1__id_1' },
    { key: { orgId: 1, state: 1 }, name: 'orgId_1_state_1' },
    { key: { orgId: 1, 'tags.k': 1, 'tags.v': 1 }, name: 'orgId_1_tags.k_1_tags.v_1' },
    // The tick's due-probe query, per cloud.
    { key: { orgId: 1, cloudId: 1, nextProbeAt: 1 }, name: 'orgId_1_cloudId_1_nextProbeAt_1' },
  ],
  periodicTasks: [],
  probes: [
    { key: { orgId: 1, machineId: 1, at: -1, _id: -1 }, name: 'orgId_1_machineId_1_at_-1__id_-1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  keys: [
    { key: { orgId: 1, name: 1 }, name: 'orgId_1_name_1', unique: true },
    { key: { orgId: 1, isDefault: 1 }, name: 'orgId_1_isDefault_1' },
    {
      key: { orgId: 1 },
      name: 'orgId_1_default_unique',
      unique: true,
      partialFilterExpression: { isDefault: true },
    },
  ],
  keyAssociations: [
    { key: { orgId: 1, machineId: 1, keyId: 1 }, name: 'orgId_1_machineId_1_keyId_1', unique: true },
    { key: { orgId: 1, keyId: 1 }, name: 'orgId_1_keyId_1' },
  ],
  zones: [
    { key: { orgId: 1, cloudId: 1, externalId: 1 }, name: 'orgId_1_cloudId_1_externalId_1', unique: true },
    { key: { orgId: 1, cloudId: 1, name: 1, _id: 1 }, name: 'orgId_1_cloudId_1_name_1__id_1' },
  ],
  records: [
    { key: { orgId: 1, zoneId: 1, externalId: 1 }, name: 'orgId_1_zoneId_1_externalId_1', unique: true },
    { key: { orgId: 1, zoneId: 1, name: 1, _id: 1 }, name: 'orgId_1_zoneId_1_name_1__id_1' },
  ],
  networks: [
    { key: { orgId: 1, cloudId: 1, externalId: 1 }, name: 'orgId_1_cloudId_1_externalId_1', unique: true },
    { key: { orgId: 1, cloudId: 1, name: 1, _id: 1 }, name: 'orgId_1_cloudId_1_name_1__id_1' },
  ],
  subnets: [
    { key: { orgId: 1, cloudId: 1, externalId: 1 }, name: 'orgId_1_cloudId_1_externalId_1', unique: true },
    { key: { orgId: 1, networkId: 1, name: 1, _id: 1 }, name: 'orgId_1_networkId_1_name_1__id_1' },
  ],
  events: [
    { key: { orgId: 1, timestamp: -1, _id: -1 }, name: 'orgId_1_timestamp_-1__id_-1' },
    // GET /v1/events?type=: one type's events, newest first.
    { key: { orgId: 1, type: 1, timestamp: -1, _id: -1 }, name: 'orgId_1_type_1_timestamp_-1__id_-1' },
    // The tick's sweep: events a bus publication was queued for long ago and that are still unpublished.
    { key: { publishedAt: 1, publishQueuedAt: 1 }, name: 'publishedAt_1_publishQueuedAt_1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  // The fan-out's: an org's enabled webhooks of an event type.
  webhooks: [{ key: { orgId: 1, enabled: 1, events: 1 }, name: 'orgId_1_enabled_1_events_1' }],
  deliveries: [
    {
      key: { orgId: 1, webhookId: 1, createdAt: -1, _id: -1 },
      name: 'orgId_1_webhookId_1_createdAt_-1__id_-1',
    },
    // One delivery per event and webhook, however often the fan-out runs.
    { key: { webhookId: 1, eventId: 1 }, name: 'webhookId_1_eventId_1', unique: true },
    // The tick's due retries.
    { key: { status: 1, nextAttemptAt: 1 }, name: 'status_1_nextAttemptAt_1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  rules: [
    { key: { orgId: 1, name: 1 }, name: 'orgId_1_name_1', unique: true },
    // The evaluation's: an org's enabled rules of an event type.
    { key: { orgId: 1, enabled: 1, event: 1 }, name: 'orgId_1_enabled_1_event_1' },
  ],
  ruleFirings: [
    // One firing per rule and event, however often the evaluation runs.
    { key: { ruleId: 1, 'event.id': 1 }, name: 'ruleId_1_event.id_1', unique: true },
    // One pending firing per rule and machine: a flapping machine does not pile them up.
    {
      key: { ruleId: 1, machineId: 1 },
      name: 'ruleId_1_machineId_1_pending_unique',
      unique: true,
      partialFilterExpression: { status: 'pending' },
    },
    // The tick's due firings.
    { key: { status: 1, dueAt: 1 }, name: 'status_1_dueAt_1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  jobs: [
    { key: { orgId: 1, createdAt: -1 }, name: 'orgId_1_createdAt_-1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
    // The sweep's: unfinished jobs (lib/jobs/sweep.ts).
    { key: { status: 1, createdAt: 1 }, name: 'status_1_createdAt_1' },
  ],
};

/** Collections whose documents are typed by their own modules (schedules, runs, commands, the simulator). */
export const OTHER_INDEXES: Record<string, IndexDescription[]> = {
  schedules: [
    { key: { orgId: 1, name: 1 }, name: 'orgId_1_name_1', unique: true },
    { key: { enabled: 1, nextRunAt: 1 }, name: 'enabled_1_nextRunAt_1' },
  ],
  schedule_runs: [
    { key: { orgId: 1, scheduleId: 1, at: -1, _id: -1 }, name: 'orgId_1_scheduleId_1_at_-1__id_-1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  // The idempotency records of commands: _id is `<orgId>:<requestId>`; each expires on its own.
  command_requests: [{ key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 }],
  sim_machines: [{ key: { cloudId: 1, _id: 1 }, name: 'cloudId_1__id_1' }],
  scripts: [{ key: { orgId: 1, name: 1 }, name: 'orgId_1_name_1', unique: true }],
  script_runs: [
    {
      key: { orgId: 1, scriptId: 1, createdAt: -1, _id: -1 },
      name: 'orgId_1_scriptId_1_createdAt_-1__id_-1',
    },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
  sim_net: [{ key: { cloudId: 1, kind: 1, _id: 1 }, name: 'cloudId_1_kind_1__id_1' }],
  calendars: [
    { key: { orgId: 1, name: 1 }, name: 'orgId_1_name_1', unique: true },
    // The daily refresh's: feeds due (lib/calendars/calendars.ts).
    { key: { 'ics.nextRefreshAt': 1 }, name: 'ics.nextRefreshAt_1' },
  ],
  // Per-machine schedule overrides: each one goes when its `until` passes.
  machine_overrides: [
    { key: { orgId: 1, machineId: 1, until: 1 }, name: 'orgId_1_machineId_1_until_1' },
    { key: { until: 1 }, name: 'until_1', expireAfterSeconds: 0 },
  ],
  // lib/costs: cached AWS prices per region, the regions' refresh state, and the daily cost snapshots.
  prices: [{ key: { region: 1, fetchedAt: 1 }, name: 'region_1_fetchedAt_1' }],
  price_regions: [{ key: { fetchedAt: 1, wantedAt: 1 }, name: 'fetchedAt_1_wantedAt_1' }],
  cost_snapshots: [
    { key: { orgId: 1, day: 1 }, name: 'orgId_1_day_1' },
    { key: { day: 1 }, name: 'day_1' },
    { key: { expireAt: 1 }, name: 'expireAt_1', expireAfterSeconds: 0 },
  ],
};

const ensured = new WeakMap<Db, Promise<void>>();

export function ensureIndexes(db: Db): Promise<void> {
  let done = ensured.get(db);
  if (!done) {
    const c = collections(db);
    done = Promise.all([
      ...(Object.keys(INDEXES) as Array<keyof Collections>)
        .filter((name) => INDEXES[name].length > 0)
        .map((name) => c[name].createIndexes(INDEXES[name])),
      ...Object.entries(OTHER_INDEXES).map(([name, specs]) => db.collection(name).createIndexes(specs)),
    ]).then(() => undefined);
    done.catch(() => ensured.delete(db));
    ensured.set(db, done);
  }
  return done;
}
