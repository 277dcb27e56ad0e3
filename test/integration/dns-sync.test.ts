/** Waiting for INSYNC as a job: each attempt asks once, a PENDING change is retried, never slept on. */
import { beforeAll, describe, expect, it } from 'vitest';
import { runJobMessage } from '../../lib/app/job-runner.js';
import { requireCapability } from '../../lib/clouds/drivers.js';
import { ensureIndexes } from '../../lib/db/collections.js';
import type { Provider } from '../../lib/providers/capabilities.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';

describe('the dns.sync job', () => {
  const t = useTestDatabase('dnssync');
  let clock = new Date('2026-11-25T12:00:00Z');
  const now = () => clock;
  const sent: string[] = [];
  const delays: Array<number | undefined> = [];
  const queue = {
    send: async (m: { body: string; delaySeconds?: number }) => {
      sent.push(m.body);
      delays.push(m.delaySeconds);
    },
    sendBatch: async (ms: Array<{ body: string }>) => {
      sent.push(...ms.map((m) => m.body));
    },
  };
  const api = testApi(() => t.db, now, queue as never);
  let owner: string;
  let orgId: string;

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner, orgId } = await createTestOrg(t.db));
  });

  it('retries while the change is PENDING and succeeds once it is INSYNC', async () => {
    const cloud = await api.request('POST', '/v1/clouds', {
      token: owner,
      body: { provider: 'sim', name: 'slow-dns', settings: { machines: 0, transitionMs: 60_000 } },
    });
    const zone = await api.request('POST', `/v1/clouds/${cloud.body.cloud.id}/zones`, {
      token: owner,
      body: { name: 'slow.example', wait: true },
    });
    expect(zone.status).toBe(202);
    expect(zone.body.change.status).toBe('PENDING');
    const jobId = zone.body.job.id;
    const deps = { db: t.db, now, queue: queue as never };
    const msg = { version: 1 as const, jobId, orgId };

    const sentBefore = sent.length;
    // The message is done with; a delayed one asks again in 15 s (not after the visibility timeout).
    expect(await runJobMessage(deps, msg)).toBe('done');
    const pending = await t.db.collection<AnyDoc>('jobs').findOne({ _id: jobId });
    expect(pending).toMatchObject({ status: 'queued', error: { code: 'change_pending' }, attempts: 1 });
    expect(sent.slice(sentBefore).map((b) => JSON.parse(b))).toEqual([{ version: 1, jobId, orgId }]);
    expect(delays.at(-1)).toBe(15);

    clock = new Date(clock.getTime() + 60_000);
    expect(await runJobMessage(deps, msg)).toBe('done');
    const done = await t.db.collection<AnyDoc>('jobs').findOne({ _id: jobId });
    expect(done).toMatchObject({ status: 'succeeded', result: { status: 'INSYNC' } });
    const stored = await api.request('GET', `/v1/zones/${zone.body.zone.id}`, { token: owner });
    expect(stored.body.lastChange.status).toBe('INSYNC');
  });

  it('answers 422 "not supported" for a provider without the capability, before any call', () => {
    expect(() => requireCapability('ssh' as Provider, 'dns')).toThrow(
      /DNS zones and records are not supported by the ssh provider/,
    );
    expect(() => requireCapability('ssh' as Provider, 'network')).toThrow(/not supported/);
    expect(() => requireCapability('aws', 'dns')).not.toThrow();
  });
});
