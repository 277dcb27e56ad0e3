/**
 * The account and its SSH keys in the DigitalOcean fake (account/*.yml, ssh_keys/*.yml): a key's
 * fingerprint is the MD5 of its base64 body, colon-separated, as DigitalOcean shows it.
 */
import { createHash } from 'node:crypto';
import type { DigitalOceanFake, Route } from './fake.js';

export interface FakeSshKey {
  id: number;
  fingerprint: string;
  public_key: string;
  name: string;
}

export function md5Fingerprint(publicKey: string): string | undefined {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) return undefined;
  const hex = createHash('md5').update(Buffer.from(blob, 'base64')).digest('hex');
  return hex.match(/../g)!.join(':');
}

export function addSshKey(fake: DigitalOceanFake, name: string, publicKey: string): FakeSshKey {
  const key: FakeSshKey = {
    id: 5000000 + fake.nextId(),
    fingerprint: md5Fingerprint(publicKey)!,
    public_key: publicKey,
    name,
  };
  fake.sshKeys.push(key);
  return key;
}

export const accountRoutes: Route = (fake, ctx) => {
  const [top, sub] = ctx.parts;
  if (top !== 'account') return false;
  if (!sub && ctx.method === 'GET') {
    fake.json(ctx.res, 200, {
      account: {
        droplet_limit: 25,
        floating_ip_limit: 5,
        email: 'sammy@example.com',
        name: 'Sammy',
        uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef',
        email_verified: true,
        status: fake.account.status,
        status_message: fake.account.status_message,
      },
    });
    return true;
  }
  if (sub !== 'keys') return false;
  if (ctx.method === 'GET') return fake.page(ctx, 'ssh_keys', fake.sshKeys);
  if (ctx.method === 'POST') {
    const name = ctx.body.name;
    const publicKey = ctx.body.public_key;
    if (typeof name !== 'string' || !name || typeof publicKey !== 'string' || !md5Fingerprint(publicKey)) {
      return fake.error(ctx.res, 422, 'unprocessable_entity', 'Key invalid, type error');
    }
    const fingerprint = md5Fingerprint(publicKey);
    if (fake.sshKeys.some((k) => k.fingerprint === fingerprint)) {
      return fake.error(ctx.res, 422, 'unprocessable_entity', 'SSH Key is already in use on your account');
    }
    return fake.json(ctx.res, 201, { ssh_key: addSshKey(fake, name, publicKey) });
  }
  return false;
};
