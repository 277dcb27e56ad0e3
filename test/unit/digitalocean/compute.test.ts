/**
 * The DigitalOcean compute driver against the v2 API's fake: what it sends, how droplets map, how it
 * waits for actions and what it does when they fail, and what an operator reads when a call fails.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/core/errors.js';
import { DigitalOceanComputeDriver } from '../../../lib/providers/digitalocean/compute.js';
import {
  MachineStateError,
  ProviderAuthError,
  ProviderConflictError,
  ProviderNotFoundError,
  ProviderRejectedError,
} from '../../../lib/providers/errors.js';
import { seedDroplet } from '../../fakes/digitalocean/droplet-routes.js';
import { TOKEN } from '../../fakes/digitalocean/fake.js';
import { type DigitalOceanWorld, digitalOceanWorld } from '../../fakes/digitalocean/world.js';

let w: DigitalOceanWorld;
let driver: DigitalOceanComputeDriver;

beforeEach(async () => {
  w = await digitalOceanWorld();
  driver = new DigitalOceanComputeDriver(w.config, w.deps);
});
afterEach(() => w.close());

const ref = (d: { id: number; region: string }) => ({ externalId: String(d.id), region: d.region });
const actionsSent = () =>
  w.fake.requests.filter((r) => r.method === 'POST' && /\/actions$/.test(r.path)).map((r) => r.body);

describe('listing droplets', () => {
  it('sends the token as a bearer and asks for the largest pages, following links.pages.next', async () => {
    for (let i = 0; i < 5; i++) seedDroplet(w.fake, { name: `d-${i}`, region: 'fra1' });
    expect(await driver.listMachines()).toHaveLength(5);
    const lists = w.fake.requests.filter((r) => r.path.startsWith('/v2/droplets'));
    expect(lists.map((r) => r.path)).toEqual([
      '/v2/droplets?per_page=200',
      '/v2/droplets?per_page=2&page=2',
      '/v2/droplets?per_page=2&page=3',
      '/v2/droplets?per_page=200&type=gpus',
    ]);
    expect(lists.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('maps a running droplet: addresses by type, size, image slug, tags, prices and its VPC', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'ams3', tags: ['env:prod', 'web', 'url:a:b'] });
    const [m] = await driver.listMachines();
    expect(m).toMatchObject({
      externalId: String(d.id),
      name: 'web',
      state: 'running',
      region: 'ams3',
      size: 's-1vcpu-1gb',
      image: 'debian-12-x64',
      publicIps: [d.publicIp],
      privateIps: [d.privateIp],
      tags: { env: 'prod', web: '', url: 'a:b' },
      launchedAt: new Date(d.created_at),
      hourlyCost: 0.00893,
    });
    expect(m!.extra).toMatchObject({
      vpcId: d.vpc_uuid,
      priceMonthly: 6,
      currency: 'USD',
      billing: 'hourly, capped at the monthly price',
    });
  });

  it('maps a droplet that is off to stopped, a new one to pending and an archived one to terminated', async () => {
    seedDroplet(w.fake, { name: 'off', region: 'fra1', status: 'off' });
    seedDroplet(w.fake, { name: 'new', region: 'fra1', status: 'new' });
    seedDroplet(w.fake, { name: 'gone', region: 'fra1', status: 'archive' });
    const states = Object.fromEntries((await driver.listMachines()).map((m) => [m.name, m.state]));
    expect(states).toEqual({ off: 'stopped', new: 'pending', gone: 'terminated' });
  });

  it('lists GPU droplets too, which DigitalOcean lists only when asked for them alone', async () => {
    seedDroplet(w.fake, { name: 'cpu', region: 'fra1' });
    seedDroplet(w.fake, { name: 'gpu', region: 'ams3' }).gpu = true;
    expect((await driver.listMachines()).map((m) => m.name)).toEqual(['cpu', 'gpu']);
  });

  it('leaves out droplets of regions the cloud does not span', async () => {
    seedDroplet(w.fake, { name: 'here', region: 'fra1' });
    seedDroplet(w.fake, { name: 'there', region: 'nyc3' });
    expect((await driver.listMachines()).map((m) => m.name)).toEqual(['here']);
  });

  it('refuses a paging link to another host, and never sends the token there', async () => {
    for (let i = 0; i < 3; i++) seedDroplet(w.fake, { name: `d-${i}`, region: 'fra1' });
    w.fake.foreignNextOrigin = 'http://127.0.0.2:9';
    const err = await driver.listMachines().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toContain('not its API');
    expect(w.fake.requests).toHaveLength(1);
  });

  it('refuses an answer its schema does not describe, saying where', async () => {
    // A region the fake does not know is answered without its region object, which droplet.yml requires.
    seedDroplet(w.fake, { name: 'web', region: 'fra1' }).region = 'nowhere';
    const err = await driver.listMachines().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/unexpected body at droplets\.0\.region/);
  });
});

describe('throttling and failures', () => {
  it('waits at least what Retry-After asks when throttled, then gets through', async () => {
    seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    w.fake.failNext(1, 429, undefined, { retryAfter: 3 });
    expect((await driver.listMachines()).map((m) => m.name)).toEqual(['web']);
    expect(w.sleeps).toHaveLength(1);
    expect(w.sleeps[0]).toBeGreaterThanOrEqual(3000);
  });

  it('carries DigitalOcean words to the operator, and never the token', async () => {
    w.fake.failNext(1, 401, 'unauthorized', { message: `Unable to authenticate you (token ${TOKEN})` });
    const err = await driver.listMachines().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).toContain('DigitalOcean 401 unauthorized: Unable to authenticate you');
    expect(err.message).not.toContain(TOKEN);
  });

  it('answers ProviderNotFoundError for a droplet DigitalOcean does not know', async () => {
    await expect(driver.rebootMachine({ externalId: '1', region: 'fra1' })).rejects.toBeInstanceOf(
      ProviderNotFoundError,
    );
  });

  it('turns DigitalOcean words about the power state into MachineStateError', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    const err = await driver.startMachine(ref(d)).catch((e) => e);
    expect(err).toBeInstanceOf(MachineStateError);
    expect(err.message).toContain('Droplet is already powered on.');
  });

  it('answers a conflict while another action holds the droplet', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    d.locked = true;
    await expect(driver.rebootMachine(ref(d))).rejects.toBeInstanceOf(ProviderConflictError);
  });

  it('keeps a plain validation failure a rejection', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    await expect(driver.renameMachine(ref(d), 'not valid!')).rejects.toBeInstanceOf(ProviderRejectedError);
  });
});

describe('power actions', () => {
  it('stops with a graceful shutdown, waited for on GET /actions/{id}', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    w.fake.actionPolls = 2;
    await driver.stopMachine(ref(d));
    expect(actionsSent()).toEqual([{ type: 'shutdown' }]);
    expect(w.fake.requests.filter((r) => r.path.startsWith('/v2/actions/'))).toHaveLength(2);
    expect(d.status).toBe('off');
  });

  it('cuts the power when the graceful shutdown ends errored', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    w.fake.erroredActions.add('shutdown');
    await driver.stopMachine(ref(d));
    expect(actionsSent()).toEqual([{ type: 'shutdown' }, { type: 'power_off' }]);
    expect(d.status).toBe('off');
  });

  it('cuts the power when the shutdown completes but the guest ignored it', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    w.fake.ignoreShutdown = true;
    await driver.stopMachine(ref(d));
    expect(actionsSent()).toEqual([{ type: 'shutdown' }, { type: 'power_off' }]);
    expect(d.status).toBe('off');
  });

  it('powers off at once when the stop is forced, and power-cycles a forced reboot', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    await driver.rebootMachine(ref(d), { force: true });
    await driver.stopMachine(ref(d), { force: true });
    expect(actionsSent()).toEqual([{ type: 'power_cycle' }, { type: 'power_off' }]);
  });

  it('reboots gracefully, starts with power_on and destroys with DELETE', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1', status: 'off' });
    await driver.startMachine(ref(d));
    await driver.rebootMachine(ref(d));
    await driver.destroyMachine(ref(d));
    expect(actionsSent()).toEqual([{ type: 'power_on' }, { type: 'reboot' }]);
    expect(w.fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v2/droplets/${d.id}` });
    expect(w.fake.droplets.has(d.id)).toBe(false);
  });

  it('resizes CPU and memory only, and renames', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1', status: 'off' });
    await driver.resizeMachine(ref(d), 's-2vcpu-2gb');
    await driver.renameMachine(ref(d), 'web-2');
    expect(actionsSent()).toEqual([
      { type: 'resize', size: 's-2vcpu-2gb', disk: false },
      { type: 'rename', name: 'web-2' },
    ]);
    expect(d).toMatchObject({ size_slug: 's-2vcpu-2gb', name: 'web-2' });
  });

  it('fails an action that ends errored with what DigitalOcean reported of it', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    w.fake.erroredActions.add('reboot');
    const err = await driver.rebootMachine(ref(d)).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(
      /reboot droplet \d+ in fra1: DigitalOcean action \d+ \(reboot\) ended errored/,
    );
  });

  it('leaves an action still running when the wait is over: it was accepted', async () => {
    const d = seedDroplet(w.fake, { name: 'web', region: 'fra1' });
    w.fake.actionPolls = 1000;
    let clock = 0;
    const slow = new DigitalOceanComputeDriver(w.config, {
      ...w.deps,
      actionPollMs: 1000,
      actionTimeoutMs: 3000,
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => new Date(clock),
    });
    await slow.stopMachine(ref(d));
    expect(w.fake.requests.filter((r) => r.path.startsWith('/v2/actions/'))).toHaveLength(3);
    expect(d.status).toBe('active');
  });
});

describe('checking the connection', () => {
  it('reads the account, and accepts an active one or one with a warning', async () => {
    await driver.checkConnection();
    w.fake.account = { status: 'warning', status_message: 'Your payment is overdue' };
    await driver.checkConnection();
    expect(w.fake.requests.map((r) => r.path)).toEqual(['/v2/account', '/v2/account']);
  });

  it('refuses a locked account with DigitalOcean words about it', async () => {
    w.fake.account = { status: 'locked', status_message: 'Account locked for unpaid invoices' };
    const err = await driver.checkConnection().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).toContain('the account is locked: Account locked for unpaid invoices');
  });

  it('fails a token DigitalOcean does not know with ProviderAuthError', async () => {
    const wrong = new DigitalOceanComputeDriver(
      { ...w.config, credentials: { token: `dop_v1_${'f'.repeat(64)}` } },
      w.deps,
    );
    const err = await wrong.checkConnection().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderAuthError);
    expect(err.message).not.toContain('f'.repeat(64));
  });
});
