/**
 * The "done" path, over HTTP against the local runtime: with the printed token, list the sim
 * cloud's machines, stop one, see it stopped, see the audit event.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime.js';
import { uniqueDbName } from '../helpers/mongo.js';

describe('a newcomer in local mode', () => {
  let runtime: LocalRuntime;
  let token: string;

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${runtime.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      port: 0,
      mongoUri: inject('mongoUri'),
      dbName: uniqueDbName('newcomer'),
      tickPeriodMs: 3_600_000,
    });
    token = runtime.bootstrap!.token;
  });
  afterAll(() => runtime.stop());

  it('gets an owner token and a simulated cloud on first start', async () => {
    expect(token).toMatch(/^nimbo_/);
    const clouds = await call('GET', '/v1/clouds');
    expect(clouds.status).toBe(200);
    expect(clouds.body.items).toEqual([
      expect.objectContaining({
        provider: 'sim',
        simulated: true,
        providerLabel: expect.stringMatching(/Simulated/),
      }),
    ]);
  });

  it("lists the sim cloud's machines once the first poll has run", async () => {
    await runtime.jobs.drain();
    const machines = await call('GET', '/v1/machines?limit=100');
    expect(machines.status).toBe(200);
    expect(machines.body.items).toHaveLength(20);
    expect(machines.body.items[0]).toMatchObject({ provider: 'sim', missingSince: null });
  });

  it('stops a machine, sees it stopped, and finds the audit event', async () => {
    // A cloud of its own whose transitions settle at once, so the test never sleeps.
    const created = await call('POST', '/v1/clouds', {
      provider: 'sim',
      name: 'instant',
      settings: { machines: 3, seed: 5, transitionMs: 0 },
    });
    expect(created.status).toBe(201);
    const cloudId = created.body.cloud.id;
    await runtime.jobs.drain();

    const list = await call('GET', `/v1/machines?cloud=${cloudId}&state=running`);
    const machine = list.body.items[0];
    expect(machine.actions.stop).toBe(true);

    const stop = await call('POST', `/v1/machines/${machine.id}/actions/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body.job).toMatchObject({ type: 'machine.action', status: 'queued' });
    await runtime.jobs.drain();

    const job = await call('GET', `/v1/jobs/${stop.body.job.id}`);
    expect(job.body).toMatchObject({ status: 'succeeded', result: { action: 'stop' } });

    expect((await call('POST', `/v1/clouds/${cloudId}/poll`)).status).toBe(202);
    await runtime.jobs.drain();
    const after = await call('GET', `/v1/machines/${machine.id}`);
    expect(after.body.state).toBe('stopped');
    expect(after.body.actions).toMatchObject({ start: true, stop: false });

    const again = await call('POST', `/v1/machines/${machine.id}/actions/stop`);
    expect(again.status).toBe(422);

    const audit = await call('GET', `/v1/audit?resourceId=${machine.id}`);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['machine.stop', 'machine.state_changed']));
    const stopEvent = audit.body.items.find((e: { action: string }) => e.action === 'machine.stop');
    expect(stopEvent).toMatchObject({ result: 'success', actor: { type: 'token' }, jobId: stop.body.job.id });
  });

  it('sends a command with `npm run send` and sees it acted on, once', async () => {
    const list = await call('GET', '/v1/machines?state=running&limit=1');
    const machine = list.body.items[0];
    const dir = mkdtempSync(join(tmpdir(), 'nimbo-send-'));
    const file = join(dir, 'reboot.json');
    const command = {
      version: 1,
      type: 'machine.action',
      action: 'reboot',
      target: { machineId: machine.id },
    };
    writeFileSync(
      file,
      JSON.stringify([
        { ...command, requestId: 'e2e-reboot' },
        { ...command, requestId: 'e2e-reboot' },
      ]),
    );
    const root = join(import.meta.dirname, '..', '..');
    const send = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/cli/send.ts', ...args], {
        cwd: root,
        env: { ...process.env, NIMBO_TOKEN: token, NIMBO_URL: runtime.apiUrl },
        timeout: 30_000,
      });
    const { stdout } = await send([file]);
    expect(stdout).toMatch(/sent message .* \(requestId e2e-reboot: GET \/v1\/commands\/e2e-reboot\)/);
    await runtime.commands.drain();
    await runtime.jobs.drain();
    const view = await call('GET', '/v1/commands/e2e-reboot');
    expect(view.body).toMatchObject({ status: 'completed', result: { matched: 1, queued: 1 } });
    const job = await call('GET', `/v1/jobs/${view.body.result.machines[0].jobId}`);
    expect(job.body).toMatchObject({ status: 'succeeded' });
    const audit = await call('GET', `/v1/audit?resourceId=${machine.id}&action=machine.reboot`);
    expect(audit.body.items).toHaveLength(1);

    // A malformed file is refused before anything is sent.
    writeFileSync(file, '{not json');
    await expect(send([file])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Cannot read/),
    });
    // A command the worker rejects lands in the commands DLQ with its reason.
    writeFileSync(file, JSON.stringify({ ...command, action: 'explode' }));
    await send([file]);
    await runtime.commands.drain();
    const dlq = await fetch(`${runtime.apiUrl}/_local/queues/commands-dlq`).then(
      (r) => r.json() as Promise<any>,
    );
    expect(dlq.messages.at(-1).attributes).toMatchObject({ NimboRejectCode: 'unprocessable' });
  });
});
