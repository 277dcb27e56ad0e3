/**
 * Clouds and machines written straight into the test database for probe tests: a non-sim cloud (so probes
 * go over the network) whose machines all sit on 127.0.0.1. The cloud never polls (no nextPollAt), so no
 * provider is ever called.
 */
import type { Db } from 'mongodb';
import { collections } from '../../lib/db/collections.js';
import type { CloudDoc, MachineDoc } from '../../lib/db/documents.js';
import { newId } from '../../lib/model/common.js';
import { actionFlags } from '../../lib/providers/capabilities.js';

export async function insertLoopbackCloud(db: Db, orgId: string, over: Partial<CloudDoc> = {}) {
  const now = new Date();
  const cloud: CloudDoc = {
    _id: newId('cloud'),
    orgId,
    name: `loopback-${Math.random().toString(36).slice(2, 8)}`,
    provider: 'aws',
    enabled: true,
    disabledReason: null,
    regions: ['us-east-1'],
    settings: null,
    credentials: null,
    credentialsSummary: null,
    pollIntervalMinutes: 60,
    nextPollAt: null,
    lastPollAt: null,
    lastPollError: null,
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
  await collections(db).clouds.insertOne(cloud);
  return cloud;
}

export function loopbackMachine(cloud: CloudDoc, over: Partial<MachineDoc> = {}): MachineDoc {
  const now = new Date();
  const id = newId('machine');
  const state = over.state ?? 'running';
  return {
    _id: id,
    orgId: cloud.orgId,
    cloudId: cloud._id,
    provider: cloud.provider,
    externalId: `i-${id.slice(4)}`,
    name: `host-${id.slice(4, 10)}`,
    state,
    region: 'us-east-1',
    location: null,
    size: null,
    image: null,
    publicIps: ['127.0.0.1'],
    privateIps: [],
    tags: [],
    launchedAt: null,
    hourlyCost: null,
    actions: actionFlags(cloud.provider, state),
    extra: {},
    firstSeenAt: now,
    lastSeenAt: now,
    missingSince: null,
    updatedAt: now,
    ...over,
  };
}

export async function insertLoopbackMachines(
  db: Db,
  cloud: CloudDoc,
  count: number,
  over: Partial<MachineDoc> = {},
): Promise<MachineDoc[]> {
  const docs = Array.from({ length: count }, () => loopbackMachine(cloud, over));
  await collections(db).machines.insertMany(docs);
  return docs;
}
