/**
 * Bring-your-own hosts. An `ssh` cloud's inventory is the list of hosts registered on it (in its settings,
 * which the ssh driver lists); registering adds one and applies the listing at once, so the machine exists
 * when the call returns. Removing forgets the host: it leaves the list, the machine is marked missing and
 * its key associations go; nothing is done on the host itself.
 */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { ConflictError, UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { CloudDoc, JobDoc, MachineDoc } from '../db/documents.js';
import { findCloud, findKey } from '../db/lookups.js';
import { jobActor } from '../jobs/jobs.js';
import type { Actor } from '../model/actor.js';
import { MAX_HOSTS_PER_CLOUD, type RegisterHostBody } from '../model/ssh-host.js';
import { hostMachine, type SshHost } from '../providers/ssh/compute.js';
import { applyPoll } from './machines.js';

function hostsOf(cloud: CloudDoc): SshHost[] {
  return ((cloud.settings?.hosts as SshHost[] | undefined) ?? []).slice();
}

export async function registerHost(
  deps: ServiceDeps,
  actor: Actor,
  cloudId: string,
  body: RegisterHostBody,
  requestId: string,
): Promise<MachineDoc> {
  const cloud = await findCloud(deps, actor.orgId, cloudId);
  if (cloud.provider !== 'ssh')
    throw new UnprocessableError('Hosts are registered in clouds of provider "ssh"');
  if (body.keyId) await findKey(deps, actor.orgId, body.keyId);
  const host: SshHost = {
    externalId: `${body.address}:${body.port}`,
    name: body.name ?? body.address,
    address: body.address,
    port: body.port,
    user: body.user,
    keyId: body.keyId ?? null,
    addedAt: deps.now().toISOString(),
  };
  // One atomic write decides duplicates and the cap, whatever runs at the same time.
  const updated = await collections(deps.db).clouds.findOneAndUpdate(
    {
      _id: cloud._id,
      orgId: actor.orgId,
      'settings.hosts.externalId': { $ne: host.externalId },
      [`settings.hosts.${MAX_HOSTS_PER_CLOUD - 1}`]: { $exists: false },
    },
    { $push: { 'settings.hosts': host }, $set: { updatedAt: deps.now() } } as never,
    { returnDocument: 'after' },
  );
  if (!updated) {
    if (hostsOf(cloud).length >= MAX_HOSTS_PER_CLOUD) {
      throw new UnprocessableError(`An ssh cloud holds at most ${MAX_HOSTS_PER_CLOUD} hosts`);
    }
    throw new ConflictError(`Host ${host.externalId} is already registered in cloud ${cloud.name}`);
  }
  await applyPoll(deps, updated, hostsOf(updated).map(hostMachine));
  const machine = await collections(deps.db).machines.findOne({
    orgId: actor.orgId,
    cloudId: cloud._id,
    externalId: host.externalId,
  });
  await recordAudit(deps, {
    actor,
    action: 'machine.register',
    resource: { type: 'machine', id: machine!._id, name: host.name },
    requestId,
    details: { cloudId: cloud._id, address: host.address, port: host.port, user: host.user },
  });
  return machine!;
}

/** The `remove` action's job: forget the host. */
export async function forgetHost(deps: ServiceDeps, job: JobDoc, machine: MachineDoc): Promise<void> {
  const now = deps.now();
  const { clouds, machines, keyAssociations } = collections(deps.db);
  await clouds.updateOne({ _id: machine.cloudId, orgId: machine.orgId }, {
    $pull: { 'settings.hosts': { externalId: machine.externalId } },
    $set: { updatedAt: now },
  } as never);
  await machines.updateOne(
    { _id: machine._id, orgId: machine.orgId },
    { $set: { missingSince: now, updatedAt: now } },
  );
  const dropped = await keyAssociations.deleteMany({ orgId: machine.orgId, machineId: machine._id });
  await recordAudit(deps, {
    actor: jobActor(job),
    action: 'machine.remove',
    resource: { type: 'machine', id: machine._id, name: machine.name },
    jobId: job._id,
    details: { keyAssociationsDropped: dropped.deletedCount },
  });
}
