/** What each power action sends, and how Hetzner's refusals reach the operator. */
import { describe, expect, it } from 'vitest';
import {
  MachineStateError,
  ProviderConflictError,
  ProviderNotFoundError,
} from '../../../lib/providers/errors.js';
import { HetznerComputeDriver } from '../../../lib/providers/hetzner/compute.js';
import { seedServer } from '../../fakes/hetzner/compute-routes.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerComputeDriver);

const actionsSent = () =>
  fake()
    .requests.filter((r) => r.method === 'POST' && r.path.includes('/actions/'))
    .map((r) => r.path.split('/actions/')[1]);

describe('hetzner server actions', () => {
  it('starts with poweron and waits on the action until it succeeds', async () => {
    fake().state.actionReads = 3;
    const s = seedServer(fake().state, 'web', 'fsn1', 'off');
    await make().driver.startMachine({ externalId: String(s.id), region: 'fsn1' });
    expect(actionsSent()).toEqual(['poweron']);
    expect(fake().sent('GET', /^\/actions\/\d+$/)).toHaveLength(3);
    expect(s.status).toBe('running');
  });

  it('stops with an ACPI shutdown and stops there once the server is off', async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'running');
    await make().driver.stopMachine({ externalId: String(s.id), region: 'fsn1' });
    expect(actionsSent()).toEqual(['shutdown']);
    expect(s.status).toBe('off');
  });

  it('cuts the power when the guest ignores the shutdown until shutdownTimeoutMs', async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'running');
    s.ignoresShutdown = true;
    const { driver, world } = make({ actionPollMs: 10, shutdownTimeoutMs: 30 });
    await driver.stopMachine({ externalId: String(s.id), region: 'fsn1' });
    expect(actionsSent()).toEqual(['shutdown', 'poweroff']);
    expect(s.status).toBe('off');
    // Three polls of the server's status, each after a poll interval, then the power is cut.
    expect(fake().sent('GET', `/servers/${s.id}`).length).toBeGreaterThanOrEqual(3);
    expect(world.sleeps.filter((ms) => ms === 10).length).toBeGreaterThanOrEqual(3);
  });

  it('stops with force by powering off at once, and reboots with force by a reset', async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'running');
    const ref = { externalId: String(s.id), region: 'fsn1' };
    const { driver } = make();
    await driver.rebootMachine(ref);
    await driver.rebootMachine(ref, { force: true });
    await driver.stopMachine(ref, { force: true });
    expect(actionsSent()).toEqual(['reboot', 'reset', 'poweroff']);
  });

  it('resizes with change_type keeping the disk, so the server can shrink back', async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'off');
    await make().driver.resizeMachine({ externalId: String(s.id), region: 'fsn1' }, 'cx32');
    const [sent] = fake().sent('POST', `/servers/${s.id}/actions/change_type`);
    expect(sent?.body).toEqual({ server_type: 'cx32', upgrade_disk: false });
    expect(s.serverType).toBe('cx32');
  });

  it("refuses to resize a running server as a MachineStateError in Hetzner's words", async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'running');
    const err = await make()
      .driver.resizeMachine({ externalId: String(s.id), region: 'fsn1' }, 'cx32')
      .catch((e) => e);
    expect(err).toBeInstanceOf(MachineStateError);
    expect(err.message).toContain('server_not_stopped');
    expect(err.message).toContain('server must be stopped');
  });

  it('answers a locked server with a ProviderConflictError', async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'running');
    s.locked = true;
    const err = await make()
      .driver.rebootMachine({ externalId: String(s.id), region: 'fsn1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderConflictError);
    expect(err.message).toMatch(/423 locked: server \d+ is locked/);
  });

  it('renames with PUT /servers/{id} and deletes with DELETE, waiting on its action', async () => {
    const s = seedServer(fake().state, 'old', 'hel1', 'running');
    const ref = { externalId: String(s.id), region: 'hel1' };
    const { driver } = make();
    await driver.renameMachine(ref, 'new');
    expect(fake().sent('PUT', `/servers/${s.id}`)[0]?.body).toEqual({ name: 'new' });
    await driver.destroyMachine(ref);
    expect(fake().state.servers.has(s.id)).toBe(false);
  });

  it('answers ProviderNotFoundError for a server Hetzner does not know', async () => {
    const err = await make()
      .driver.stopMachine({ externalId: '999999999', region: 'fsn1' }, { force: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderNotFoundError);
    expect(err.message).toContain('server with ID 999999999 not found');
  });

  it("fails with Hetzner's words when an action ends in error", async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'off');
    const state = fake().state;
    const original = state.action.bind(state);
    state.action = (command, resources, done) =>
      original(command, resources, done, { code: 'action_failed', message: 'host is in maintenance' });
    state.actionReads = 1;
    const err = await make()
      .driver.startMachine({ externalId: String(s.id), region: 'fsn1' })
      .catch((e) => e);
    expect(err.message).toContain('action poweron_server');
    expect(err.message).toContain('action_failed: host is in maintenance');
  });

  it('returns when an action is still running at actionTimeoutMs, leaving it to finish', async () => {
    fake().state.actionReads = 1000;
    const s = seedServer(fake().state, 'web', 'fsn1', 'off');
    await make({ actionPollMs: 10, actionTimeoutMs: 50 }).driver.startMachine({
      externalId: String(s.id),
      region: 'fsn1',
    });
    expect(fake().sent('GET', /^\/actions\/\d+$/).length).toBeLessThanOrEqual(6);
  });
});
