/**
 * Running probes (the worker's side): a batch of machines of one cloud (sized by probes/budget.ts), probed
 * in waves of PROBE_CONCURRENCY. Each wave is recorded as soon as it is measured, in two writes: the latest
 * result and the outage bookkeeping on each machine, and the history (kept for the cloud's retention by a
 * TTL index). A job stopped midway (the worker's timeout) so keeps what it measured, and a job run again
 * skips the machines it already recorded: its history ids derive from the job and the machine.
 */
import type { AnyBulkWriteOperation } from 'mongodb';
import { type AuditInput, recordAuditMany } from '../audit/audit.js';
import { eachLimited } from '../core/concurrency.js';
import type { ServiceDeps } from '../core/deps.js';
import { NotFoundError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, JobDoc, MachineDoc, ProbeDoc } from '../db/documents.js';
import { findCloud } from '../db/lookups.js';
import { type NewEvent, recordEvents } from '../events/record.js';
import { machineEventRef } from '../events/refs.js';
import { type JobDeps, jobActor } from '../jobs/jobs.js';
import { machineLogins, type SshLogin, withMachineSsh } from '../keys/ssh-access.js';
import type { SystemActor } from '../model/actor.js';
import { derivedId, isoOrNull } from '../model/common.js';
import type { ProbeSettings } from '../model/probe.js';
import { type TcpProbeResult, tcpProbe } from '../net/tcp-probe.js';
import { simulatedTcpProbe } from '../providers/sim/probe.js';
import { execOn } from '../ssh/exec.js';
import type { SshProbeResult } from '../ssh/facts.js';
import { runSshProbe, SSH_PROBE_EXEC, SSH_PROBE_MAX_LOGINS } from '../ssh/probe.js';
import { machineProbeWorstCaseMs, PROBE_CONCURRENCY } from './budget.js';
import { nextUnreachableSince, probeHost, probePort, probeSettings } from './rules.js';
import { toLatestProbeView } from './views.js';

const DAY_MS = 86_400_000;
/** Database time a wave needs besides its probes (logins looked up, results written). */
const WAVE_WRITE_MS = 2_000;

/** A probe job's dependencies; the worker may tell how long its invocation has left (remainingTimeMs). */
export type ProbeJobDeps = JobDeps;

export interface MachineProbe {
  machine: MachineDoc;
  at: Date;
  tcp: TcpProbeResult;
  ssh: SshProbeResult | null;
}

export function probeJob(cloudId: string, machineIds: string[], onDemand = false) {
  return {
    type: 'machine.probe' as const,
    resource: onDemand ? { type: 'machine', id: machineIds[0]! } : { type: 'cloud', id: cloudId },
    input: { cloudId, machineIds, ...(onDemand ? { onDemand: true } : {}) },
    // A lost periodic probe is not worth a retry: the next interval probes again.
    maxAttempts: 1,
  };
}

/** A bring-your-own host's registered SSH port (the ssh driver keeps it in extra). */
function registeredSshPort(machine: MachineDoc): number | undefined {
  const port = Number(machine.extra.sshPort);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * The TCP probe, then the SSH probe when the TCP probe connected and the machine can be logged in to: a
 * key associated with it, or a bring-your-own host (its registered key, else the org's default key).
 * Null: nothing to probe (no address).
 */
export async function probeMachine(
  deps: ServiceDeps,
  cloud: Pick<CloudDoc, 'provider'>,
  settings: ProbeSettings,
  machine: MachineDoc,
  sshEligible = false,
): Promise<MachineProbe | null> {
  const at = deps.now();
  const host = probeHost(machine);
  if (cloud.provider === 'sim') {
    // Never the network: sim machines carry documentation and private addresses.
    const port = probePort(settings);
    const tcp = simulatedTcpProbe(
      { id: machine._id, state: machine.state, host: host ?? 'none' },
      port,
      settings.attempts,
    );
    return { machine, at, tcp, ssh: null };
  }
  if (!host) return null;
  const logins = sshEligible ? (await machineLogins(deps, machine)).slice(0, SSH_PROBE_MAX_LOGINS) : [];
  const tcp = await tcpProbe(
    host,
    probePort(settings, logins[0]?.port ?? registeredSshPort(machine)),
    settings,
  );
  let ssh: SshProbeResult | null = null;
  if (tcp.reachable && logins.length > 0) {
    let used: SshLogin = logins[0]!;
    const outcome = await runSshProbe(
      (command) =>
        withMachineSsh(
          deps,
          machine,
          logins,
          (connection, login) => {
            used = login;
            return execOn(connection, command, SSH_PROBE_EXEC);
          },
          SSH_PROBE_EXEC,
        ),
      () => ({ host, port: used.port, user: used.user }),
    );
    ssh = outcome.result;
  }
  return { machine, at, tcp, ssh };
}

/** The machines of a batch that the SSH probe may log in to. */
async function sshEligibleIds(deps: ServiceDeps, orgId: string, batch: MachineDoc[]): Promise<Set<string>> {
  const eligible = new Set(batch.filter((m) => m.provider === 'ssh').map((m) => m._id));
  const associated = await collections(deps.db)
    .keyAssociations.find(
      { orgId, machineId: { $in: batch.map((m) => m._id) } },
      { projection: { machineId: 1 } },
    )
    .toArray();
  for (const a of associated) eligible.add(a.machineId);
  return eligible;
}

/** A history record's id: one per job, machine and kind, so a job run twice records once. */
function historyId(jobId: string, machineId: string, kind: ProbeDoc['kind']): string {
  return derivedId('probe', jobId, machineId, kind);
}

/** The machines of this job whose probe it already recorded (a run cut off, then delivered again). */
async function recordedByJob(deps: ServiceDeps, job: JobDoc, machines: MachineDoc[]): Promise<Set<string>> {
  if (machines.length === 0) return new Set();
  const recorded = await collections(deps.db)
    .probes.find(
      { orgId: job.orgId, _id: { $in: machines.map((m) => historyId(job._id, m._id, 'tcp')) } },
      { projection: { machineId: 1 } },
    )
    .toArray();
  return new Set(recorded.map((p) => p.machineId));
}

/**
 * Writes the results of one job's wave and records machine.unreachable / machine.reachable events for
 * outages that began or ended; returns their audit entries.
 */
export async function recordProbes(
  deps: ServiceDeps,
  cloud: Pick<CloudDoc, '_id' | 'orgId'>,
  settings: ProbeSettings,
  jobId: string,
  probes: MachineProbe[],
): Promise<AuditInput[]> {
  if (probes.length === 0) return [];
  const ops: AnyBulkWriteOperation<MachineDoc>[] = [];
  const history: AnyBulkWriteOperation<ProbeDoc>[] = [];
  const transitions: AuditInput[] = [];
  const news: NewEvent[] = [];
  const system: SystemActor = { type: 'system', orgId: cloud.orgId, name: 'probe' };
  for (const { machine, at, tcp, ssh } of probes) {
    const before = machine.unreachableSince ?? null;
    const unreachableSince = nextUnreachableSince(before, tcp.reachable, at);
    ops.push({
      updateOne: {
        filter: { _id: machine._id, orgId: cloud.orgId },
        update: { $set: { probe: { at, tcp, ssh }, unreachableSince } },
      },
    });
    const expireAt = new Date(at.getTime() + settings.retentionDays * DAY_MS);
    const base = { orgId: cloud.orgId, cloudId: cloud._id, machineId: machine._id, at, expireAt };
    const docs: ProbeDoc[] = [
      { _id: historyId(jobId, machine._id, 'tcp'), ...base, kind: 'tcp', result: tcp },
    ];
    if (ssh) docs.push({ _id: historyId(jobId, machine._id, 'ssh'), ...base, kind: 'ssh', result: ssh });
    // Inserted unless already there: the first record of a job's probe stays.
    for (const doc of docs) {
      history.push({ updateOne: { filter: { _id: doc._id }, update: { $setOnInsert: doc }, upsert: true } });
    }
    const resource = { type: 'machine', id: machine._id, name: machine.name };
    const ref = machineEventRef(machine);
    if (!before && unreachableSince) {
      const message = tcp.error ?? `no answer on ${tcp.host}:${tcp.port}`;
      news.push({
        orgId: cloud.orgId,
        type: 'machine.unreachable',
        data: {
          ...ref,
          since: unreachableSince.toISOString(),
          failedProbes: 1,
          error: { code: 'probe_failed', message },
        },
        at,
      });
      transitions.push({
        actor: system,
        action: 'machine.unreachable',
        resource,
        details: { host: tcp.host, port: tcp.port, error: tcp.error },
      });
    } else if (before && !unreachableSince) {
      transitions.push({
        actor: system,
        action: 'machine.reachable',
        resource,
        details: { unreachableSince: isoOrNull(before), downForMs: at.getTime() - before.getTime() },
      });
      const downSeconds = Math.max(0, (at.getTime() - before.getTime()) / 1000);
      news.push({
        orgId: cloud.orgId,
        type: 'machine.reachable',
        data: { ...ref, unreachableSince: before.toISOString(), downSeconds },
        at,
      });
    }
  }
  const { machines, probes: probeHistory } = collections(deps.db);
  await machines.bulkWrite(ops, { ordered: false });
  await probeHistory.bulkWrite(history, { ordered: false });
  await recordEvents(deps, news);
  return transitions;
}

/** The worker's handler for `machine.probe` jobs. */
export async function runProbeJob(deps: ProbeJobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const cloudId = String(job.input.cloudId);
  const machineIds = (job.input.machineIds as string[]) ?? [];
  const onDemand = job.input.onDemand === true;
  let cloud: CloudDoc;
  try {
    cloud = await findCloud(deps, job.orgId, cloudId);
  } catch (err) {
    if (err instanceof NotFoundError) return { skipped: 'the cloud was deleted' };
    throw err;
  }
  const settings = probeSettings(cloud);
  const found = await collections(deps.db)
    .machines.find({ orgId: job.orgId, cloudId, _id: { $in: machineIds }, missingSince: null })
    .toArray();
  const already = await recordedByJob(deps, job, found);
  // In the order queued (the tick's most overdue first), so the waves a short run gets to are those.
  const order = new Map(machineIds.map((id, i) => [id, i]));
  const batch = found
    .filter((m) => !already.has(m._id))
    .sort((a, b) => order.get(a._id)! - order.get(b._id)!);
  const ssh = cloud.provider === 'sim' ? new Set<string>() : await sshEligibleIds(deps, job.orgId, batch);
  const waveMs = machineProbeWorstCaseMs(cloud.provider, settings) + WAVE_WRITE_MS;
  const probes: MachineProbe[] = [];
  let deferred = 0;
  for (let i = 0; i < batch.length; i += PROBE_CONCURRENCY) {
    if (deps.remainingTimeMs && deps.remainingTimeMs() < waveMs) {
      // Not started rather than cut off: these machines wait for their next interval.
      deferred = batch.length - i;
      break;
    }
    const wave: MachineProbe[] = [];
    await eachLimited(batch.slice(i, i + PROBE_CONCURRENCY), PROBE_CONCURRENCY, async (machine) => {
      const probe = await probeMachine(deps, cloud, settings, machine, ssh.has(machine._id));
      if (probe) wave.push(probe);
    });
    const audit = await recordProbes(deps, cloud, settings, job._id, wave);
    if (onDemand) audit.push(...wave.map((p) => onDemandAudit(job, p)));
    await recordAuditMany(deps, cloud.orgId, audit);
    probes.push(...wave);
  }
  const reachable = probes.filter((p) => p.tcp.reachable).length;
  return {
    cloudId,
    probed: probes.length,
    reachable,
    unreachable: probes.length - reachable,
    skipped: machineIds.length - probes.length - already.size - deferred,
    ...(already.size > 0 ? { alreadyRecorded: already.size } : {}),
    ...(deferred > 0 ? { deferred } : {}),
    ...(onDemand && probes[0]
      ? { probe: toLatestProbeView({ at: probes[0].at, tcp: probes[0].tcp, ssh: probes[0].ssh }) }
      : {}),
  };
}

function onDemandAudit(job: JobDoc, p: MachineProbe): AuditInput {
  return {
    actor: jobActor(job),
    action: 'machine.probe',
    resource: { type: 'machine', id: p.machine._id, name: p.machine.name },
    jobId: job._id,
    ...(job.requestId ? { requestId: job.requestId } : {}),
    details: { reachable: p.tcp.reachable, lossPercent: p.tcp.lossPercent, ssh: p.ssh?.ok ?? null },
  };
}
