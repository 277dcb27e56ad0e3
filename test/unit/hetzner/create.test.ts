/** What a create sends (location, labels, keys, user data, network) and what it never keeps. */
import { describe, expect, it } from 'vitest';
import { ProviderRejectedError } from '../../../lib/providers/errors.js';
import { HetznerComputeDriver } from '../../../lib/providers/hetzner/compute.js';
import { fingerprintOf } from '../../../lib/providers/hetzner/ssh-keys.js';
import { FAKE_ROOT_PASSWORD } from '../../fakes/hetzner/compute-routes.js';
import { useHetznerFake } from './fixtures.js';

const { fake, make } = useHetznerFake(HetznerComputeDriver);

const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1lXbKk3W0qX8sVd2yQfJ2n0m1Y0u1lV7Sx3c9tYbE ops@example';

describe('hetzner server create', () => {
  it("sends name, type, image, location, labels, user data and the subnet's network, and maps the new server", async () => {
    const net = fake().state.nextId();
    fake().state.networks.set(net, {
      id: net,
      name: 'n',
      created: '',
      ipRange: '10.1.0.0/16',
      subnets: [],
      labels: {},
    });
    const made = await make().driver.createMachine({
      name: 'app',
      region: 'hel1',
      image: 'debian-12',
      size: 'cx22',
      tags: { team: 'ops' },
      userData: '#cloud-config\n',
      subnetId: `${net}/10.1.1.0/24`,
    });
    expect(fake().sent('POST', '/servers')[0]?.body).toEqual({
      name: 'app',
      server_type: 'cx22',
      image: 'debian-12',
      location: 'hel1',
      labels: { team: 'ops' },
      user_data: '#cloud-config\n',
      networks: [net],
    });
    expect(made).toMatchObject({ name: 'app', state: 'running', region: 'hel1', tags: { team: 'ops' } });
    expect(made.privateIps).toEqual(['10.1.0.2']);
  });

  it('never keeps or returns the root password Hetzner answers with', async () => {
    const made = await make().driver.createMachine({
      name: 'app',
      region: 'fsn1',
      image: 'debian-12',
      size: 'cx22',
    });
    expect(JSON.stringify(made)).not.toContain(FAKE_ROOT_PASSWORD);
  });

  it('uploads a public key line that the project does not have, and creates with its id', async () => {
    await make().driver.createMachine({
      name: 'app',
      region: 'fsn1',
      image: 'debian-12',
      size: 'cx22',
      keyName: PUBLIC_KEY,
    });
    const [lookup] = fake().sent('GET', '/ssh_keys');
    expect(lookup?.query.get('fingerprint')).toBe(fingerprintOf(PUBLIC_KEY));
    const [upload] = fake().sent('POST', '/ssh_keys');
    expect(upload?.body).toMatchObject({ public_key: PUBLIC_KEY });
    const key = [...fake().state.sshKeys.values()][0]!;
    expect(fake().sent('POST', '/servers')[0]?.body).toMatchObject({ ssh_keys: [key.id] });
  });

  it('finds a public key the project has by its fingerprint and uploads nothing', async () => {
    const id = fake().state.nextId();
    fake().state.sshKeys.set(id, {
      id,
      name: 'ops',
      fingerprint: fingerprintOf(PUBLIC_KEY),
      public_key: PUBLIC_KEY,
    });
    await make().driver.createMachine({
      name: 'app',
      region: 'fsn1',
      image: 'debian-12',
      size: 'cx22',
      keyName: PUBLIC_KEY,
    });
    expect(fake().sent('POST', '/ssh_keys')).toEqual([]);
    expect(fake().sent('POST', '/servers')[0]?.body).toMatchObject({ ssh_keys: [id] });
  });

  it('passes a key name or id as it is', async () => {
    const id = fake().state.nextId();
    fake().state.sshKeys.set(id, { id, name: 'ops', fingerprint: 'aa', public_key: PUBLIC_KEY });
    const { driver } = make();
    await driver.createMachine({
      name: 'a',
      region: 'fsn1',
      image: 'debian-12',
      size: 'cx22',
      keyName: 'ops',
    });
    await driver.createMachine({
      name: 'b',
      region: 'fsn1',
      image: 'debian-12',
      size: 'cx22',
      keyName: String(id),
    });
    expect(
      fake()
        .sent('POST', '/servers')
        .map((r) => (r.body as { ssh_keys: unknown }).ssh_keys),
    ).toEqual([['ops'], [id]]);
    expect(fake().sent('GET', '/ssh_keys')).toEqual([]);
  });

  it("refuses a tag that breaks Hetzner's label rules before any call", async () => {
    const err = await make()
      .driver.createMachine({
        name: 'app',
        region: 'fsn1',
        image: 'debian-12',
        size: 'cx22',
        tags: { owner: 'a b' },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toContain('label "owner"');
    expect(fake().requests).toEqual([]);
  });

  it("reaches the operator with Hetzner's field errors for an unknown image", async () => {
    const err = await make()
      .driver.createMachine({ name: 'app', region: 'fsn1', image: 'nope-1', size: 'cx22' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toContain('invalid input in field image — image: is invalid');
  });
});
