/**
 * Associating the key an EC2 instance was launched with, against a real OpenSSH server on 127.0.0.1 standing
 * in for the instance: the launch key is in authorized_keys from the first boot, and is often the org's
 * only key, so the deploy job logs in with the key being associated itself. EC2 is mocked at the client
 * (the one boundary where mocks are allowed); the API, jobs, database and SSH are real.
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../../lib/db/collections.js';
import { generateSshKeyPair } from '../../lib/ssh/keypair.js';
import { createTestOrg, testApi } from '../helpers/api.js';
import { testJobs } from '../helpers/jobs.js';
import { type AnyDoc, useTestDatabase } from '../helpers/mongo.js';
import { useSshd } from '../helpers/sshd.js';

const ec2 = mockClient(EC2Client);
const r53 = mockClient(Route53Client);
afterAll(() => {
  ec2.restore();
  r53.restore();
});

describe("associating a machine's launch key", () => {
  const t = useTestDatabase('launchkey');
  const sshd = useSshd();
  const jobs = testJobs(() => t.db);
  const api = testApi(() => t.db, undefined, jobs.queue);

  const get = (token: string, path: string) => api.request('GET', path, { token });
  const post = (token: string, path: string, body?: unknown) =>
    api.request('POST', path, { token, ...(body ? { body } : {}) });

  /** Runs the queued jobs and returns the job as it ended. */
  async function finished(token: string, reply: { status: number; body: any }) {
    expect(reply.status).toBe(202);
    await jobs.drain();
    return (await get(token, `/v1/jobs/${reply.body.job.id}`)).body;
  }

  beforeAll(async () => {
    await ensureIndexes(t.db);
  });

  beforeEach(() => {
    ec2.reset();
    r53.reset();
    r53.on(ListHostedZonesCommand).resolves({ HostedZones: [], IsTruncated: false });
  });

  /** A new org with an EC2 cloud whose one instance (on the test sshd) was launched with `keyName`. */
  async function orgWithInstance(keyName: string) {
    const { token } = await createTestOrg(t.db);
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0launch',
              State: { Name: 'running' },
              InstanceType: 't3.micro',
              PublicIpAddress: '127.0.0.1',
              KeyName: keyName,
              Tags: [{ Key: 'Name', Value: 'web-1' }],
            },
          ],
        },
      ],
    });
    const cloud = await post(token, '/v1/clouds', {
      provider: 'aws',
      name: 'prod',
      regions: ['eu-west-1'],
      credentials: {
        type: 'accessKeys',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    });
    expect(cloud.status).toBe(201);
    await jobs.drain();
    const machine = (await get(token, `/v1/machines?cloud=${cloud.body.cloud.id}`)).body.items[0];
    expect(machine).toMatchObject({ publicIps: ['127.0.0.1'], extra: { keyName } });
    return { token, machineId: machine.id as string };
  }

  const importKey = async (token: string, name: string, privateKey: string) => {
    const res = await post(token, '/v1/keys', { name, privateKey });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const associate = (token: string, machineId: string, keyId: string) =>
    post(token, `/v1/machines/${machineId}/keys`, { keyId, user: sshd.user, port: sshd.port });

  it("logs in with the launch key itself when it is the org's only key, and records the association", async () => {
    const authorized = `${sshd.bootstrapKey.publicKey}\n`;
    sshd.writeAuthorizedKeys(authorized); // what EC2 put there at launch
    const { token, machineId } = await orgWithInstance('ops-launch');
    const keyId = await importKey(token, 'ops-launch', sshd.bootstrapKey.privateKey);

    const job = await finished(token, await associate(token, machineId, keyId));
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result).toMatchObject({ keyId, added: false, verified: true, loginKeyId: keyId });
    expect((await get(token, `/v1/machines/${machineId}/keys`)).body.items).toEqual([
      expect.objectContaining({ keyId, user: sshd.user, port: sshd.port }),
    ]);
    expect(sshd.readAuthorizedKeys()).toBe(authorized);
    const machine = (await get(token, `/v1/machines/${machineId}`)).body;
    expect(machine.sshHostKey.fingerprint).toBe(sshd.hostKeyFingerprint);

    // The line was EC2's, not Nimbo's: disassociating keeps it (nobody is locked out).
    const undone = await finished(
      token,
      await api.request('DELETE', `/v1/machines/${machineId}/keys/${keyId}`, { token }),
    );
    expect(undone.result).toMatchObject({ linesRemoved: 0, addedByNimbo: false });
    expect(sshd.readAuthorizedKeys()).toBe(authorized);
  });

  it('tries the launch key first, and any key that already logs in last, whatever its name', async () => {
    const other = generateSshKeyPair('ed25519');
    sshd.writeAuthorizedKeys(`${sshd.bootstrapKey.publicKey}\n${other.publicKey}\n`);
    const { token, machineId } = await orgWithInstance('ops-launch');
    await importKey(token, 'laptop', other.privateKey); // the org's default key, which logs in too
    const launchId = await importKey(token, 'ops-launch', sshd.bootstrapKey.privateKey);
    const job = await finished(token, await associate(token, machineId, launchId));
    expect(job.result).toMatchObject({ added: false, loginKeyId: launchId });

    // Not named as the launch key: the keys that open the machine come first.
    const { token: token2, machineId: machine2 } = await orgWithInstance('someone-elses');
    const default2 = await importKey(token2, 'laptop', other.privateKey);
    const key2 = await importKey(token2, 'imported-under-another-name', sshd.bootstrapKey.privateKey);
    const job2 = await finished(token2, await associate(token2, machine2, key2));
    expect(job2.result).toMatchObject({ added: false, loginKeyId: default2 });

    // The only key, under another name than the launch key's: it still logs in as itself.
    const { token: token3, machineId: machine3 } = await orgWithInstance('someone-elses');
    const only = await importKey(token3, 'renamed', sshd.bootstrapKey.privateKey);
    const job3 = await finished(token3, await associate(token3, machine3, only));
    expect(job3.status, JSON.stringify(job3.error)).toBe('succeeded');
    expect(job3.result).toMatchObject({ added: false, loginKeyId: only });
  });

  it('fails clearly when the key named as the launch key does not log in, and associates nothing', async () => {
    const authorized = `${sshd.bootstrapKey.publicKey}\n`;
    sshd.writeAuthorizedKeys(authorized);
    const { token, machineId } = await orgWithInstance('ops-launch');
    const keyId = await importKey(token, 'ops-launch', generateSshKeyPair('ed25519').privateKey);
    const job = await finished(token, await associate(token, machineId, keyId));
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('ssh_auth_failed');
    expect(job.error.message).toMatch(/the server refused key ops-launch as \S+ on port \d+$/);
    expect((await get(token, `/v1/machines/${machineId}/keys`)).body.items).toEqual([]);
    expect(await t.db.collection<AnyDoc>('key_associations').countDocuments({ keyId })).toBe(0);
    expect(sshd.readAuthorizedKeys()).toBe(authorized);
  });
});
