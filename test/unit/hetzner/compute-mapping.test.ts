/** How servers read: states, addresses, labels, prices of their location, and which are listed. */
import { describe, expect, it } from 'vitest';
import { HetznerComputeDriver } from '../../../lib/providers/hetzner/compute.js';
import { ipv6Address, mapState } from '../../../lib/providers/hetzner/mapping.js';
import { seedServer } from '../../fakes/hetzner/compute-routes.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerComputeDriver);

describe('hetzner server mapping', () => {
  it.each([
    ['running', 'running'],
    ['off', 'stopped'],
    ['initializing', 'pending'],
    ['starting', 'pending'],
    ['stopping', 'stopping'],
    ['rebuilding', 'pending'],
    ['migrating', 'pending'],
    ['deleting', 'terminated'],
    ['unknown', 'unknown'],
    ['something-new', 'unknown'],
  ])('maps a server that is %s to %s', (status, state) => {
    expect(mapState(status)).toBe(state);
  });

  it("reports the ::1 address of the server's IPv6 /64, and keeps the network in extra", async () => {
    const s = seedServer(fake().state, 'web', 'fsn1', 'running');
    const [m] = await make().driver.listMachines();
    const n = (s.id % 250).toString(16);
    expect(ipv6Address('2001:db8:1::/64')).toBe('2001:db8:1::1');
    expect(m!.publicIps).toEqual([`127.0.0.${s.id % 250}`, `2001:db8:${n}::1`]);
    expect(m!.extra?.ipv6Network).toBe(`2001:db8:${n}::/64`);
  });

  it('maps ids, names, location, type, image, labels as tags, private addresses and the network as vpcId', async () => {
    const s = seedServer(fake().state, 'db', 'hel1', 'off');
    s.labels = { team: 'ops', 'nimbo.dev/owner': 'alice' };
    s.privateNet = [{ network: 77, ip: '10.0.0.2' }];
    const [m] = await make().driver.listMachines();
    expect(m).toMatchObject({
      externalId: String(s.id),
      name: 'db',
      state: 'stopped',
      region: 'hel1',
      location: 'hel1',
      size: 'cx22',
      image: 'debian-12',
      privateIps: ['10.0.0.2'],
      tags: { team: 'ops', 'nimbo.dev/owner': 'alice' },
    });
    expect(m!.launchedAt).toBeInstanceOf(Date);
    expect(m!.extra).toMatchObject({ vpcId: '77' });
  });

  it("costs a server at its type's net hourly price in its own location, with the monthly cap beside", async () => {
    seedServer(fake().state, 'us', 'ash', 'running');
    seedServer(fake().state, 'eu', 'fsn1', 'running');
    const machines = await make({}, ['fsn1', 'ash']).driver.listMachines();
    const byName = new Map(machines.map((m) => [m.name, m]));
    expect(byName.get('eu')?.hourlyCost).toBe(0.006);
    expect(byName.get('us')?.hourlyCost).toBe(0.0072);
    expect(byName.get('eu')?.extra).toMatchObject({
      priceMonthly: 4.032,
      currency: 'EUR',
      billing: 'hourly, capped at the monthly price; EUR without VAT',
    });
  });

  it("lists only servers in the cloud's locations, reading every page at 50 a page", async () => {
    for (let i = 0; i < 5; i++) seedServer(fake().state, `fsn-${i}`, 'fsn1', 'running');
    seedServer(fake().state, 'far', 'sin', 'running');
    const names = (await make().driver.listMachines()).map((m) => m.name).sort();
    expect(names).toEqual(['fsn-0', 'fsn-1', 'fsn-2', 'fsn-3', 'fsn-4']);
    const pages = fake().sent('GET', '/servers');
    expect(pages.map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
    expect(pages.every((r) => r.query.get('per_page') === '50')).toBe(true);
  });
});
