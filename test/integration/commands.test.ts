import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../functions/worker.js';
import { createToken } from '../../lib/auth/tokens.js';
import { type CommandDeps, commandIdempotencyConfig, handleCommand } from '../../lib/commands/commands.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import { idempotencyCollection, MongoIdempotencyStore } from '../../lib/messages/idempotency-store.js';
import type { MessageQueue } from '../../lib/messages/queue.js';
import { PUBLISHED_SCHEMAS, renderSchema } from '../../local/cli/schemas.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testCommands } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('commands from other systems (SQS)', () => {
  const t = useTestDatabase('commands');
  /** Machine ids whose job messages the jobs queue refuses (a transient SQS failure), and how many times. */
  const refuseJobsFor = new Map<string, number>();
  let refusals = 0;
  const q = testCommands(() => t.db, {
    wrapDeps: (deps) => ({ ...deps, queue: flakyJobsQueue(deps.queue!) }),
  });
  function flakyJobsQueue(inner: MessageQueue): MessageQueue {
    const refuse = (bodies: string[]) => {
      if (refuseJobsFor.size === 0) return;
      // Job messages carry only the job id: a refused machine is found through its job.
      return Promise.all(
        bodies.map(async (b) => {
          const job = await t.db.collection<AnyDoc>('jobs').findOne({ _id: JSON.parse(b).jobId });
          const left = job ? (refuseJobsFor.get(job.input.machineId) ?? 0) : 0;
          if (left > 0) {
            refuseJobsFor.set(job!.input.machineId, left - 1);
            refusals++;
            throw new Error('SQS: service unavailable (injected)');
          }
        }),
      );
    };
    return {
      send: async (m) => {
        await refuse([m.body]);
        await inner.send(m);
      },
      sendBatch: async (ms) => {
        await refuse(ms.map((m) => m.body));
        await inner.sendBatch(ms);
      },
    };
  }
  const api = testApi(() => t.db, undefined, q.jobs);

  let orgId: string;
  let owner: string;
  let operator: string;
  let viewer: string;
  let machines: AnyDoc[];
  let other: { orgId: string; token: string; machineId: string };

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ orgId, token: owner } = await createTestOrg(t.db));
    const deps = { db: t.db, now: () => new Date() };
    const actor = { type: 'system' as const, orgId, name: 'test' };
    operator = (await createToken(deps, actor, { name: 'ops', role: 'operator' })).token;
    viewer = (await createToken(deps, actor, { name: 'view', role: 'viewer' })).token;
    const res = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'fleet', settings: { machines: 30, seed: 4, transitionMs: 0 } },
    });
    expect(res.status).toBe(201);
    await q.jobs.drain();
    machines = await t.db.collection<AnyDoc>('machines').find({ orgId }).sort({ _id: 1 }).toArray();
    expect(machines).toHaveLength(30);
    expect(running().length).toBeGreaterThanOrEqual(14);

    const o = await createTestOrg(t.db);
    const oc = await api.request('POST', '/v1/clouds', {
      token: o.token,
      body: { provider: 'sim', name: 'theirs', settings: { machines: 1, seed: 5, transitionMs: 0 } },
    });
    expect(oc.status).toBe(201);
    await q.jobs.drain();
    const theirs = await t.db.collection<AnyDoc>('machines').findOne({ orgId: o.orgId });
    other = { orgId: o.orgId, token: o.token, machineId: theirs!._id };
  });

  const running = () => machines.filter((m) => m.state === 'running');
  const reboot = (target: unknown, requestId?: string) => ({
    version: 1,
    type: 'machine.action',
    action: 'reboot',
    target,
    ...(requestId ? { requestId } : {}),
  });
  /** Successful provider calls for this action on this machine (each audited by its job). */
  const actedOn = (machineId: string, action = 'machine.reboot') =>
    t.db.collection('audit').countDocuments({ action, 'resource.id': machineId, result: 'success' });
  const jobsOf = (requestId: string) => t.db.collection<AnyDoc>('jobs').find({ requestId }).toArray();
  /** The dead letters since the last call (it empties the DLQ). */
  const dead = async () => {
    const letters = await q.deadLetters.list();
    await q.deadLetters.purge();
    return letters;
  };

  it('acts on one machine and answers its outcome by request id', async () => {
    const m = running()[0]!;
    await q.send(reboot({ machineId: m._id }, 'one-machine'), operator);
    await q.drain();
    const jobs = await jobsOf('one-machine');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: 'succeeded', input: { machineId: m._id, action: 'reboot' } });
    expect(await actedOn(m._id)).toBe(1);
    const view = await api.request('GET', '/v1/commands/one-machine', { token: viewer });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      requestId: 'one-machine',
      status: 'completed',
      result: { matched: 1, queued: 1, skipped: 0, machines: [{ machineId: m._id, jobId: jobs[0]!._id }] },
    });
    const audit = await t.db
      .collection('audit')
      .find({ action: 'command.accepted', requestId: 'one-machine' });
    expect(await audit.toArray()).toHaveLength(1);
    expect(await dead()).toEqual([]);
  });

  it('acts once when the same request is delivered twice', async () => {
    const m = running()[1]!;
    await q.send(reboot({ machineId: m._id }, 'twice'), operator);
    await q.send(reboot({ machineId: m._id }, 'twice'), operator);
    await q.drain();
    expect(await jobsOf('twice')).toHaveLength(1);
    expect(await actedOn(m._id)).toBe(1);
    expect(
      await t.db.collection('audit').countDocuments({ action: 'command.accepted', requestId: 'twice' }),
    ).toBe(1);
  });

  it('acts once when SQS redelivers a message without request id (the message id is the key)', async () => {
    const m = running()[2]!;
    const worker = createWorkerHandler(async () => q.deps(), { commandsQueueArn: 'arn:commands' });
    const record = {
      messageId: 'sqs-message-7',
      body: JSON.stringify(reboot({ machineId: m._id })),
      messageAttributes: { Authorization: { stringValue: `Bearer ${operator}`, dataType: 'String' } },
      eventSourceARN: 'arn:commands',
    };
    const first = await worker({ Records: [record as never] });
    const second = await worker({ Records: [record as never] });
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    await q.drain();
    expect(await jobsOf('sqs-message-7')).toHaveLength(1);
    expect(await actedOn(m._id)).toBe(1);
  });

  it('answers a duplicate that arrives while the first is in progress with a retry, then the same result', async () => {
    const m = running()[3]!;
    const msg = { messageId: 'm-a', body: JSON.stringify(reboot({ machineId: m._id }, 'concurrent')) };
    const auth = { authorization: `Bearer ${operator}` };
    const outcomes = await Promise.allSettled([
      handleCommand(q.deps(), { ...msg, ...auth }),
      handleCommand(q.deps(), { ...msg, messageId: 'm-b', ...auth }),
    ]);
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const retried = outcomes.filter((o) => o.status === 'rejected');
    // Either the second waited for nothing (the first had finished) or it was told to come back later.
    expect(accepted.length + retried.length).toBe(2);
    for (const r of retried)
      expect((r as PromiseRejectedResult).reason.name).toBe('IdempotencyAlreadyInProgressError');
    const again = await handleCommand(q.deps(), { ...msg, messageId: 'm-c', ...auth });
    expect(again).toMatchObject({ status: 'accepted', replayed: true });
    await q.drain();
    expect(await jobsOf('concurrent')).toHaveLength(1);
    expect(await actedOn(m._id)).toBe(1);
  });

  it('acts on the machines conditions select, and records the skipped ones with the reason', async () => {
    const [a, b] = running().slice(12, 14);
    const stopped = machines.find((m) => m.state === 'stopped');
    const ids = [a!._id, b!._id, ...(stopped ? [stopped._id] : [])];
    await q.send(reboot({ conditions: { ids } }, 'by-conditions'), operator);
    await q.drain();
    const view = (await api.request('GET', '/v1/commands/by-conditions', { token: viewer })).body;
    expect(view.result.matched).toBe(ids.length);
    expect(view.result.queued).toBe(2);
    if (stopped) {
      expect(view.result.machines).toContainEqual(
        expect.objectContaining({
          machineId: stopped._id,
          jobId: null,
          skipped: expect.stringMatching(/reboot/),
        }),
      );
    }
    expect((await jobsOf('by-conditions')).map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('rejects a malformed command: audited, forwarded to the DLQ with its reason, its batch-mates unaffected', async () => {
    const m = running()[4]!;
    const worker = createWorkerHandler(async () => q.deps(), { commandsQueueArn: 'arn:commands' });
    const attrs = { Authorization: { stringValue: `Bearer ${operator}`, dataType: 'String' } };
    const res = await worker({
      Records: [
        {
          messageId: 'bad-1',
          body: '{"version":1,',
          messageAttributes: attrs,
          eventSourceARN: 'arn:commands',
        },
        {
          messageId: 'bad-2',
          body: JSON.stringify({ ...reboot({ machineId: m._id }, 'bad-two'), action: 'explode' }),
          messageAttributes: attrs,
          eventSourceARN: 'arn:commands',
        },
        {
          messageId: 'good-1',
          body: JSON.stringify(reboot({ machineId: m._id }, 'good-mate')),
          messageAttributes: attrs,
          eventSourceARN: 'arn:commands',
        },
      ] as never,
    });
    expect(res.batchItemFailures).toEqual([]);
    await q.drain();
    expect(await actedOn(m._id)).toBe(1);
    // The batch's commands are handled side by side: their dead letters come in either order.
    const letters = (await dead()).sort((a, b) =>
      a.attributes.NimboSourceMessageId!.localeCompare(b.attributes.NimboSourceMessageId!),
    );
    expect(letters.map((l) => [l.attributes.NimboSourceMessageId, l.attributes.NimboRejectCode])).toEqual([
      ['bad-1', 'validation_failed'],
      ['bad-2', 'unprocessable'],
    ]);
    expect(letters[1]!.attributes.NimboRejectReason).toMatch(/action/);
    expect(letters[0]!.attributes.Authorization).toBeUndefined();
    const rejected = await t.db
      .collection<AnyDoc>('audit')
      .find({ orgId, action: 'command.rejected' })
      .sort({ time: 1 })
      .toArray();
    expect(rejected.map((e) => e.resource.id).sort()).toEqual(['bad-1', 'bad-two']);
    expect(await jobsOf('bad-two')).toEqual([]);
  });

  it('rejects a message without a valid token, recording it in no org', async () => {
    const m = running()[5]!;
    const before = await t.db.collection('audit').countDocuments({ action: 'command.rejected' });
    await q.send(reboot({ machineId: m._id }, 'no-token'), null);
    await q.send(
      reboot({ machineId: m._id }, 'bad-token'),
      'nimbo_notarealtokennotarealtokennotarealtoken12',
    );
    await q.drain();
    const letters = await dead();
    expect(letters.map((l) => l.attributes.NimboRejectCode)).toEqual(['unauthorized', 'unauthorized']);
    expect(letters.every((l) => l.attributes.NimboOrgId === undefined)).toBe(true);
    expect(await t.db.collection('audit').countDocuments({ action: 'command.rejected' })).toBe(before);
    expect(await actedOn(m._id)).toBe(0);
  });

  it('rejects a viewer token: the same roles as the HTTP API', async () => {
    const m = running()[5]!;
    await q.send(reboot({ machineId: m._id }, 'viewer-try'), viewer);
    await q.drain();
    expect((await dead()).map((l) => [l.attributes.NimboRejectCode, l.attributes.NimboOrgId])).toEqual([
      ['forbidden', orgId],
    ]);
    const audit = await t.db
      .collection<AnyDoc>('audit')
      .findOne({ action: 'command.rejected', 'resource.id': 'viewer-try' });
    expect(audit).toMatchObject({ orgId, result: 'failure', error: { code: 'forbidden' } });
    expect(await jobsOf('viewer-try')).toEqual([]);
  });

  it("rejects another org's machine as not found, and writes no job", async () => {
    await q.send(reboot({ machineId: other.machineId }, 'cross-org'), operator);
    await q.drain();
    expect((await dead()).map((l) => l.attributes.NimboRejectCode)).toEqual(['not_found']);
    expect(await jobsOf('cross-org')).toEqual([]);
    expect(await actedOn(other.machineId)).toBe(0);
    // Nor can the other org read this org's command.
    const peek = await api.request('GET', '/v1/commands/one-machine', { token: other.token });
    expect(peek.status).toBe(404);
  });

  it('rejects a request id reused for a different command', async () => {
    const m = running()[0]!;
    await q.send({ ...reboot({ machineId: m._id }, 'one-machine'), action: 'stop' }, operator);
    await q.drain();
    const [letter] = await dead();
    expect(letter!.attributes).toMatchObject({ NimboRejectCode: 'conflict' });
    expect(letter!.attributes.NimboRejectReason).toMatch(/one-machine.*different command/);
    expect(await jobsOf('one-machine')).toHaveLength(1);
  });

  it('retries a transient failure and acts once', async () => {
    const m = running()[6]!;
    refuseJobsFor.set(m._id, 1);
    refusals = 0;
    await q.send(reboot({ machineId: m._id }, 'flaky'), operator);
    // First delivery: the job is saved, queueing it fails; the redelivery sends the same job again.
    await q.drain();
    expect(refusals).toBe(1);
    expect(await jobsOf('flaky')).toHaveLength(1);
    expect(await actedOn(m._id)).toBe(1);
    expect(await dead()).toEqual([]);
  });

  it('moves a message that keeps failing to the DLQ after the redrive limit, and loses nothing else', async () => {
    const [poisoned, ...fine] = running().slice(7, 10);
    refuseJobsFor.set(poisoned!._id, Number.POSITIVE_INFINITY);
    await q.send(reboot({ machineId: poisoned!._id }, 'poison'), operator);
    for (const f of fine) await q.send(reboot({ machineId: f._id }, `fine-${f._id}`), operator);
    await q.drain();
    refuseJobsFor.clear();
    const letters = await dead();
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0]!.body).requestId).toBe('poison');
    // No reason attribute: it failed three times rather than being rejected.
    expect(letters[0]!.attributes.NimboRejectCode).toBeUndefined();
    expect(letters[0]).toMatchObject({ from: { queue: expect.stringMatching(/commands/), receiveCount: 3 } });
    for (const f of fine) expect(await actedOn(f._id)).toBe(1);
    expect(await actedOn(poisoned!._id)).toBe(0);
    // The failed attempts left no claim behind: once fixed, a resend acts.
    expect(await idempotencyCollection(t.db).findOne({ _id: `${orgId}:poison` })).toBeNull();
    await q.send(reboot({ machineId: poisoned!._id }, 'poison'), operator);
    await q.drain();
    expect(await actedOn(poisoned!._id)).toBe(1);
  });

  it("takes over a request id whose attempt died, once that attempt's lease is over", async () => {
    const m = running()[10]!;
    const command = reboot({ machineId: m._id }, 'crashed');
    // An attempt that took the request id and died (its Lambda timed out) with 60 s of lease left.
    const store = new MongoIdempotencyStore(() => t.db);
    store.configure({ config: commandIdempotencyConfig() });
    await store.saveInProgress({ key: `${orgId}:crashed`, command } as any, 60_000);
    const msg = { messageId: 'crash-1', body: JSON.stringify(command), authorization: `Bearer ${operator}` };
    await expect(handleCommand(q.deps(), msg)).rejects.toMatchObject({
      name: 'IdempotencyAlreadyInProgressError',
    });
    expect(await actedOn(m._id)).toBe(0);
    await idempotencyCollection(t.db).updateOne(
      { _id: `${orgId}:crashed` },
      { $set: { inProgressExpiryTimestamp: Date.now() - 1 } },
    );
    expect(await handleCommand(q.deps(), msg)).toMatchObject({ status: 'accepted', replayed: false });
    await q.drain();
    expect(await actedOn(m._id)).toBe(1);
  });

  it('accepts the bare token as well as "Bearer <token>"', async () => {
    const m = running()[11]!;
    const deps: CommandDeps = q.deps();
    const out = await handleCommand(deps, {
      messageId: 'bare-1',
      body: JSON.stringify({
        ...reboot({ machineId: m._id }, 'bare'),
        action: 'rename',
        params: { name: 'x1' },
      }),
      authorization: operator,
    });
    expect(out).toMatchObject({ status: 'accepted', result: { queued: 1 } });
    await q.drain();
    expect(await actedOn(m._id, 'machine.rename')).toBe(1);
  });

  it('publishes the command JSON Schema, the committed file matching the zod schema', async () => {
    const committed = readFileSync(new URL('../../schemas/command.v1.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderSchema(PUBLISHED_SCHEMAS['command.v1.schema.json']!)); // npm run schemas
    const res = await api.request('GET', '/v1/commands/schema');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(committed));
    expect(res.body.$defs.MachineActionCommand.required).toEqual(['version', 'type', 'action', 'target']);
  });
});
