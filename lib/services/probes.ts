/**
 * Running probes (the worker's side): a batch of machines of one cloud, probed with bounded concurrency,
 * then recorded in two writes whatever the batch size: the latest result and the outage bookkeeping on
 * each machine, and the history (kept for the cloud's retention by a TTL index).
 */
import type { AnyBulkWriteOperation } from 'mongodb';
import type { SystemActor } from '../auth/actor.js';
import { simulatedTcpProbe } from '../clouds/sim/probe.js';
import { eachLimited } from '../concurrency.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, JobDoc, MachineDoc, ProbeDoc } from '../db/documents.js';
import { NotFoundError } from '../errors.js';
import { isoOrNull, newId } from '../model/common.js';
import type { ProbeSettings } from '../model/probe.js';
import type { SshProbeResult } from '../probes/ssh-facts.js';
import { runSshProbe, SSH_PROBE_EXEC } from '../probes/ssh-probe.js';
import { type TcpProbeResult, tcpProbe } from '../probes/tcp.js';
import { execOn } from '../ssh/exec.js';
import { type AuditInput, recordAuditMany } from './audit.js';
import { findCloud } from './clouds.js';
import type { ServiceDeps } from './deps.js';
import { type JobDeps, jobActor } from './jobs.js';
import { nextUnreachableSince, probeHost, probePort, probeSettings } from './probe-rules.js';
import { toLatestProbeView } from './probe-views.js';
import { machineLogins, type SshLogin, withMachineSsh } from './ssh-access.js';

/** Machines per probe job: the tick queues a large cloud as many small jobs. */
export const PROBE_BATCH_SIZE = 50;
/** Probes in flight at once within a job. */
export const PROBE_CONCURRENCY = 20;

const DAY_MS = 86_400_000;

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
  const logins = sshEligible ? await machineLogins(deps, machine) : [];
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

/** Writes the batch's results; returns the audit events of outages that began or ended. */
export async function recordProbes(
  deps: ServiceDeps,
  cloud: Pick<CloudDoc, '_id' | 'orgId'>,
  settings: ProbeSettings,
  probes: MachineProbe[],
): Promise<AuditInput[]> {
  if (probes.length === 0) return [];
  const ops: AnyBulkWriteOperation<MachineDoc>[] = [];
  const history: ProbeDoc[] = [];
  const transitions: AuditInput[] = [];
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
    history.push({ _id: newId('probe'), ...base, kind: 'tcp', result: tcp });
    if (ssh) history.push({ _id: newId('probe'), ...base, kind: 'ssh', result: ssh });
    const resource = { type: 'machine', id: machine._id, name: machine.name };
    if (!before && unreachableSince) {
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
    }
  }
  const { machines, probes: probeHistory } = collections(deps.db);
  await machines.bulkWrite(ops, { ordered: false });
  await probeHistory.insertMany(history, { ordered: false });
  return transitions;
}

/** The worker's handler for `machine.probe` jobs. */
export async function runProbeJob(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
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
  const batch = await collections(deps.db)
    .machines.find({ orgId: job.orgId, cloudId, _id: { $in: machineIds }, missingSince: null })
    .toArray();
  const ssh = cloud.provider === 'sim' ? new Set<string>() : await sshEligibleIds(deps, job.orgId, batch);
  const probes: MachineProbe[] = [];
  await eachLimited(batch, PROBE_CONCURRENCY, async (machine) => {
    const probe = await probeMachine(deps, cloud, settings, machine, ssh.has(machine._id));
    if (probe) probes.push(probe);
  });
  const audit = await recordProbes(deps, cloud, settings, probes);
  if (onDemand) {
    for (const p of probes) {
      audit.push({
        actor: jobActor(job),
        action: 'machine.probe',
        resource: { type: 'machine', id: p.machine._id, name: p.machine.name },
        jobId: job._id,
        ...(job.requestId ? { requestId: job.requestId } : {}),
        details: { reachable: p.tcp.reachable, lossPercent: p.tcp.lossPercent, ssh: p.ssh?.ok ?? null },
      });
    }
  }
  await recordAuditMany(deps, cloud.orgId, audit);
  const reachable = probes.filter((p) => p.tcp.reachable).length;
  return {
    cloudId,
    probed: probes.length,
    reachable,
    unreachable: probes.length - reachable,
    skipped: machineIds.length - probes.length,
    ...(onDemand && probes[0]
      ? { probe: toLatestProbeView({ at: probes[0].at, tcp: probes[0].tcp, ssh: probes[0].ssh }) }
      : {}),
  };
}
