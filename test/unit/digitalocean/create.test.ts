/**
 * Creating a droplet through the DigitalOcean driver: the body it posts (image by slug or number, tags
 * as key:value, user data, the VPC a subnetId names) and how a keyName becomes one of the account's SSH
 * keys, against the v2 API's fake.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigitalOceanComputeDriver } from '../../../lib/providers/digitalocean/compute.js';
import { ProviderRejectedError } from '../../../lib/providers/errors.js';
import { addSshKey, md5Fingerprint } from '../../fakes/digitalocean/account-routes.js';
import { type DigitalOceanWorld, digitalOceanWorld } from '../../fakes/digitalocean/world.js';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxvY2FsLXRlc3Qta2V5LWZvci1uaW1iby1kaWdpdGFs';

let w: DigitalOceanWorld;
let driver: DigitalOceanComputeDriver;

beforeEach(async () => {
  w = await digitalOceanWorld();
  driver = new DigitalOceanComputeDriver(w.config, w.deps);
});
afterEach(() => w.close());

const base = { name: 'web-1', region: 'fra1', image: 'debian-12-x64', size: 's-1vcpu-1gb' };
const createBody = () => w.fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/droplets')?.body;

describe('creating a droplet', () => {
  it('posts name, region, size, image, tags as key:value, user data and answers the new droplet pending', async () => {
    const made = await driver.createMachine({
      ...base,
      tags: { team: 'ops', web: '' },
      userData: '#cloud-config\nruncmd: [touch /ok]\n',
    });
    expect(createBody()).toEqual({
      name: 'web-1',
      region: 'fra1',
      size: 's-1vcpu-1gb',
      image: 'debian-12-x64',
      ssh_keys: [],
      tags: ['team:ops', 'web'],
      user_data: '#cloud-config\nruncmd: [touch /ok]\n',
    });
    expect(made).toMatchObject({
      name: 'web-1',
      state: 'pending',
      region: 'fra1',
      tags: { team: 'ops', web: '' },
    });
    expect(w.fake.droplets.get(Number(made.externalId))?.userData).toContain('cloud-config');
  });

  it('sends a numeric image (a snapshot) as a number, and a subnetId as the VPC to join', async () => {
    const vpc = w.fake.addVpc('app', 'fra1', '10.20.0.0/16');
    const image = w.fake.images[1]!;
    await driver.createMachine({ ...base, image: String(image.id), subnetId: vpc.id });
    expect(createBody()).toMatchObject({ image: image.id, vpc_uuid: vpc.id });
  });

  it('refuses a tag DigitalOcean would refuse, before any call', async () => {
    const refused: Record<string, string>[] = [{ 'bad key': 'x' }, { env: 'prod/eu' }, { 'a:b': 'c' }];
    for (const tags of refused) {
      await expect(driver.createMachine({ ...base, tags })).rejects.toBeInstanceOf(ProviderRejectedError);
    }
    expect(w.fake.requests).toEqual([]);
  });

  it('refuses a region the cloud does not span, before any call', async () => {
    await expect(driver.createMachine({ ...base, region: 'nyc3' })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    expect(w.fake.requests).toEqual([]);
  });
});

describe('the SSH key of a new droplet', () => {
  it('passes a numeric id and an MD5 fingerprint as they are, without looking them up', async () => {
    const key = addSshKey(w.fake, 'laptop', PUBLIC_KEY);
    await driver.createMachine({ ...base, keyName: String(key.id) });
    await driver.createMachine({ ...base, name: 'web-2', keyName: key.fingerprint.toUpperCase() });
    const bodies = w.fake.requests.filter((r) => r.path === '/v2/droplets').map((r) => r.body);
    expect(bodies.map((b) => (b as { ssh_keys: unknown[] }).ssh_keys)).toEqual([[key.id], [key.fingerprint]]);
    expect(w.fake.requests.some((r) => r.path.startsWith('/v2/account/keys'))).toBe(false);
  });

  it('finds a public key line among the account keys by its key, whatever its comment', async () => {
    const key = addSshKey(w.fake, 'laptop', `${PUBLIC_KEY} someone@else`);
    await driver.createMachine({ ...base, keyName: `${PUBLIC_KEY} ops@laptop` });
    expect(createBody()).toMatchObject({ ssh_keys: [key.id] });
    expect(w.fake.sshKeys).toHaveLength(1);
  });

  it('adds a public key the account lacks, named by its comment, and creates with it', async () => {
    await driver.createMachine({ ...base, keyName: `${PUBLIC_KEY} ops@laptop` });
    expect(w.fake.requests.find((r) => r.method === 'POST' && r.path === '/v2/account/keys')?.body).toEqual({
      name: 'ops@laptop',
      public_key: PUBLIC_KEY,
    });
    const added = w.fake.sshKeys[0]!;
    expect(added.fingerprint).toBe(md5Fingerprint(PUBLIC_KEY));
    expect(createBody()).toMatchObject({ ssh_keys: [added.id] });
  });

  it('resolves the name of an account key to its id', async () => {
    const key = addSshKey(w.fake, 'deploy', PUBLIC_KEY);
    await driver.createMachine({ ...base, keyName: 'deploy' });
    expect(createBody()).toMatchObject({ ssh_keys: [key.id] });
  });

  it('refuses a key name the account does not hold, naming it, and creates nothing', async () => {
    const err = await driver.createMachine({ ...base, keyName: 'nobody' }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toContain('no SSH key named "nobody"');
    expect(createBody()).toBeUndefined();
  });
});
