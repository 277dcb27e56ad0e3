/**
 * Scripts and bring-your-own hosts end to end, against a real OpenSSH server on 127.0.0.1: register a
 * host by address, run executable scripts (output, exit code, parameters and environment as data, a
 * timeout that kills the remote process), ansible without ansible on the host, reboot over SSH, remove.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { claimDueSchedules } from '../../lib/schedules/runs.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { remoteProcessCheck, useSshd } from '../helpers/sshd.js';

describe('scripts on bring-your-own hosts', () => {
  const t = useTestDatabase('scripts');
  // ~/.ssh/environment lets the test put fake sudo and shutdown first in PATH (for the reboot).
  const sshd = useSshd({ extraConfig: ['PermitUserEnvironment yes'] });
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);
  let owner: string;
  let viewer: string;
  let cloudId: string;
  let machineId: string;

  const get = (path: string, token = owner) => api.request('GET', path, { token });
  const post = (path: string, body?: unknown, token = owner) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });

  async function script(name: string, content: string, kind = 'executable') {
    const res = await post('/v1/scripts', { name, kind, source: { type: 'inline', content } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** Runs a script on the machine, drains the jobs, returns the run as recorded. */
  async function run(scriptId: string, body: Record<string, unknown> = {}) {
    const res = await post(`/v1/scripts/${scriptId}/run`, { machineId, ...body });
    expect(res.status).toBe(202);
    await jobs.drain();
    return (await get(`/v1/scripts/${scriptId}/runs/${res.body.runs[0].runId}`)).body;
  }

  beforeAll(async () => {
    await ensureIndexes(t.db);
    ({ token: owner } = await createTestOrg(t.db));
    viewer = (await post('/v1/tokens', { name: 'v', role: 'viewer' })).body.token;
    cloudId = (await post('/v1/clouds', { provider: 'ssh', name: 'byo' })).body.cloud.id;
    await post('/v1/keys', { name: 'bootstrap', privateKey: sshd.bootstrapKey.privateKey });
    const host = await post(`/v1/clouds/${cloudId}/machines`, {
      address: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
    });
    machineId = host.body.id;
    await jobs.drain();
  });

  it('registers a host by address: a machine with reboot and remove, nothing else', async () => {
    const m = (await get(`/v1/machines/${machineId}`)).body;
    expect(m).toMatchObject({
      provider: 'ssh',
      name: '127.0.0.1',
      state: 'unknown',
      publicIps: ['127.0.0.1'],
    });
    expect(
      Object.entries(m.actions)
        .filter(([, on]) => on)
        .map(([a]) => a)
        .sort(),
    ).toEqual(['reboot', 'remove']);
    const dup = await post(`/v1/clouds/${cloudId}/machines`, { address: '127.0.0.1', port: sshd.port });
    expect(dup.status).toBe(409);
    expect((await post(`/v1/machines/${machineId}/actions/stop`)).status).toBe(422);
    // A poll of the cloud lists the registered hosts and changes nothing.
    await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    expect((await get(`/v1/machines?cloud=${cloudId}`)).body.items).toHaveLength(1);
  });

  it('refuses a host registration in a cloud that is not ssh, and a create in an ssh cloud', async () => {
    const sim = (await post('/v1/clouds', { provider: 'sim', name: 'sim', settings: { machines: 0 } })).body
      .cloud.id;
    expect((await post(`/v1/clouds/${sim}/machines`, { address: '10.0.0.1' })).status).toBe(422);
    const create = await post(`/v1/clouds/${cloudId}/machines`, {
      name: 'x',
      region: 'r',
      image: 'i',
      size: 's',
    });
    expect(create.status).toBe(422);
    expect((await post(`/v1/clouds/${cloudId}/machines`, { address: 'bad address!' })).status).toBe(400);
  });

  it('validates scripts: executables need #!, ansible a list of plays, URLs https', async () => {
    const bad = await post('/v1/scripts', {
      name: 'b',
      kind: 'executable',
      source: { type: 'inline', content: 'echo hi' },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toMatch(/must start with/);
    const yaml = await post('/v1/scripts', {
      name: 'b',
      kind: 'ansible',
      source: { type: 'inline', content: 'a: 1' },
    });
    expect(yaml.status).toBe(422);
    expect(JSON.stringify(yaml.body)).toMatch(/list of plays/);
    const http = await post('/v1/scripts', {
      name: 'b',
      kind: 'executable',
      source: { type: 'url', url: 'http://127.0.0.1/x' },
    });
    expect(http.status).toBe(422);
    expect(
      (
        await post(
          '/v1/scripts',
          { name: 'b', kind: 'executable', source: { type: 'inline', content: '#!/bin/sh' } },
          viewer,
        )
      ).status,
    ).toBe(403);
    expect(await t.db.collection('scripts').countDocuments({})).toBe(0);
  });

  it('refuses NUL in parameters and environment values at the edge (422) and queues nothing', async () => {
    const id = await script('nul', '#!/bin/sh\necho "$1"\n');
    const runs = t.db.collection('script_runs');
    const jobsBefore = await t.db.collection('jobs').countDocuments({});
    const runsBefore = await runs.countDocuments({});
    for (const body of [{ params: ['a\u0000b'] }, { env: { GREETING: 'hi\u0000there' } }]) {
      const res = await post(`/v1/scripts/${id}/run`, { machineId, ...body });
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body)).toMatch(/must not contain NUL/);
    }
    expect(await runs.countDocuments({})).toBe(runsBefore);
    expect(await t.db.collection('jobs').countDocuments({})).toBe(jobsBefore);
  });

  it('runs an executable script and records exit code, stdout, stderr, start and end', async () => {
    const id = await script('hello', '#!/bin/sh\necho "hello from $(hostname)"\necho oops >&2\nexit 3\n');
    const r = await run(id);
    expect(r).toMatchObject({
      status: 'failed',
      exitCode: 3,
      stderr: 'oops\n',
      timedOut: false,
      truncated: false,
    });
    expect(r.stdout).toMatch(/^hello from /);
    expect(r.error).toMatchObject({ code: 'script_failed', message: 'The script exited with code 3' });
    expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    const ok = await run(await script('ok', '#!/bin/sh\necho fine\n'));
    expect(ok).toMatchObject({ status: 'succeeded', exitCode: 0, stdout: 'fine\n', error: null });
    const listed = (await get(`/v1/scripts/${id}/runs`)).body.items;
    expect(listed).toHaveLength(1);
  });

  it('passes parameters and environment as data, never through a shell', async () => {
    const id = await script(
      'args',
      '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\nprintf "{%s}" "$GREETING"\n',
    );
    const params = ['a b', '$(touch /tmp/nimbo-pwned)', "it's", '; exit 9'];
    const r = await run(id, { params, env: { GREETING: '`id` $HOME' } });
    expect(r.stdout).toBe("[a b][$(touch /tmp/nimbo-pwned)][it's][; exit 9]{`id` $HOME}");
    expect(r).toMatchObject({ exitCode: 0, envNames: ['GREETING'], params });
    // The value is sealed in the job input, never shown.
    const job = await t.db
      .collection<AnyDoc>('jobs')
      .findOne({ type: 'script.run', 'input.scriptRunId': r.id });
    expect(JSON.stringify(job)).not.toContain('`id` $HOME');
    const badEnv = await post(`/v1/scripts/${id}/run`, { machineId, env: { 'A;B': 'x' } });
    expect(badEnv.status).toBe(422);
  });

  it('caps the output with a truncation marker', async () => {
    const r = await run(await script('chatty', '#!/bin/sh\nhead -c 100000 /dev/zero | tr "\\0" x\n'));
    expect(r.truncated).toBe(true);
    expect(r.stdout).toMatch(/\n\[output truncated: 34464 more bytes\]$/);
  });

  it('kills the remote process at the timeout', async () => {
    const r = await run(await script('slow', '#!/bin/sh\necho started\nsleep 41.5\necho never\n'), {
      timeoutSeconds: 1,
    });
    expect(r).toMatchObject({ status: 'failed', timedOut: true, exitCode: null, stdout: 'started\n' });
    expect(r.error.code).toBe('script_timeout');
    const check = await run(await script('ps', `#!/bin/sh\n${remoteProcessCheck('sleep 41.5')}\n`));
    expect(check.stdout).toBe('checked\n');
  });

  it('fails an ansible script clearly when ansible is not installed on the host', async () => {
    const id = await script('play', '- hosts: localhost\n  tasks:\n    - debug: msg=hi\n', 'ansible');
    const r = await run(id, { params: ['who=me'] });
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({
      code: 'ansible_missing',
      message: expect.stringMatching(/not installed/),
    });
    const bad = await post(`/v1/scripts/${id}/run`, { machineId, params: ['not-a-var'] });
    expect(bad.status).toBe(422);
  });

  it('fails a run clearly when the script URL cannot be fetched', async () => {
    const res = await post('/v1/scripts', {
      name: 'remote',
      kind: 'executable',
      source: { type: 'url', url: 'https://127.0.0.1:9/remote.sh' },
    });
    expect(res.status).toBe(201);
    const r = await run(res.body.id);
    expect(r).toMatchObject({ status: 'failed', exitCode: null, startedAt: expect.any(String) });
    expect(r.error.message).toMatch(/Could not fetch the script from https:\/\/127.0.0.1:9\/remote.sh/);
  });

  it('runs on the machines some conditions select', async () => {
    const id = await script('everywhere', '#!/bin/sh\necho hi\n');
    const res = await post(`/v1/scripts/${id}/run`, {
      conditions: { field: 'cloud', op: 'eq', value: cloudId },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ matched: 1, truncated: false });
    await jobs.drain();
    const runs = (await get(`/v1/scripts/${id}/runs`)).body.items;
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['succeeded']);
  });

  it("runs a script from a schedule, recording each machine's outcome on the schedule run", async () => {
    const id = await script('scheduled', '#!/bin/sh\necho "scheduled $1"\n');
    const created = await post('/v1/schedules', {
      name: 'nightly script',
      conditions: { field: 'cloud', op: 'eq', value: cloudId },
      action: { type: 'script.run', scriptId: id, params: ['run'] },
      when: { kind: 'interval', every: { value: 1, unit: 'days' } },
      runImmediately: true,
    });
    expect(created.status).toBe(201);
    expect(await claimDueSchedules(jobs.deps())).toBe(1);
    await jobs.drain();
    const runs = (await get(`/v1/schedules/${created.body.id}/runs`)).body.items;
    expect(runs[0]).toMatchObject({ action: 'script.run', matched: 1, queued: 1, succeeded: 1, failed: 0 });
    const scriptRuns = (await get(`/v1/scripts/${id}/runs`)).body.items;
    expect(scriptRuns[0]).toMatchObject({
      status: 'succeeded',
      stdout: 'scheduled run\n',
      scheduleId: created.body.id,
    });
    const missing = await post('/v1/schedules', {
      name: 'no such script',
      conditions: { field: 'cloud', op: 'eq', value: cloudId },
      action: { type: 'script.run', scriptId: 'scr_AAAAAAAAAAAAAAAA' },
      when: { kind: 'interval', every: { value: 1, unit: 'days' } },
    });
    expect(missing.status).toBe(422);
    await api.request('DELETE', `/v1/schedules/${created.body.id}`, { token: owner });
  });

  it('reboots over SSH', async () => {
    sshd.writeHomeFile('bin/sudo', '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', 0o755);
    sshd.writeHomeFile('bin/shutdown', '#!/bin/sh\necho "$@" > "$HOME/rebooted"\n', 0o755);
    sshd.writeHomeFile('.ssh/environment', `PATH=${sshd.home}/bin:/usr/bin:/bin\n`, 0o600);
    const res = await post(`/v1/machines/${machineId}/actions/reboot`);
    await jobs.drain();
    const job = (await get(`/v1/jobs/${res.body.job.id}`)).body;
    expect(job.status).toBe('succeeded');
    const r = await run(await script('cat', '#!/bin/sh\ncat "$HOME/rebooted"\n'));
    expect(r.stdout).toBe('-r now\n');
  });

  it('removes (forgets) a host: missing from the inventory, nothing touched on it', async () => {
    const before = sshd.readAuthorizedKeys();
    const res = await post(`/v1/machines/${machineId}/actions/remove`);
    await jobs.drain();
    expect((await get(`/v1/jobs/${res.body.job.id}`)).body.status).toBe('succeeded');
    expect((await get(`/v1/machines/${machineId}`)).body.missingSince).not.toBeNull();
    const cloud = (await get(`/v1/clouds/${cloudId}`)).body;
    expect(cloud.settings.hosts).toEqual([]);
    expect(sshd.readAuthorizedKeys()).toBe(before);
    await post(`/v1/clouds/${cloudId}/poll`);
    await jobs.drain();
    expect((await get(`/v1/machines/${machineId}`)).body.missingSince).not.toBeNull();
  });
});
