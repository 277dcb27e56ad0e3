/**
 * The IAM action lists of infra/cloud-actions.ts against what lib/providers/aws really sends: a command added
 * to the driver without its action would deploy fine and fail in production with AccessDenied.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ASSUME_ROLE_ACTIONS,
  MANAGE_ACTIONS,
  READ_ACTIONS,
  REQUIRED_ALONGSIDE,
  WRITE_ACTIONS,
} from '../../infra/cloud-actions.js';
import { type SdkUse, sdkCommandUses } from './sdk-commands.js';

const driverDir = join(import.meta.dirname, '..', '..', 'lib', 'providers', 'aws');

function driverUses(): SdkUse[] {
  return readdirSync(driverDir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => sdkCommandUses(readFileSync(join(driverDir, f), 'utf8')));
}

const LISTED = new Set<string>([...MANAGE_ACTIONS, ...ASSUME_ROLE_ACTIONS]);

/** The actions `uses` need that no list holds. */
function unlisted(uses: SdkUse[]): string[] {
  return [...new Set(uses.map((u) => u.action))].filter((a) => !LISTED.has(a)).sort();
}

describe('the IAM actions of the AWS driver', () => {
  const uses = driverUses();
  const sent = new Set(uses.map((u) => u.action));

  it('finds the commands the driver sends, by the package each is imported from', () => {
    for (const action of ['ec2:DescribeInstances', 'route53:ChangeResourceRecordSets', 'sts:AssumeRole']) {
      expect(sent).toContain(action);
    }
    expect([...sent].filter((a) => a.startsWith('?:'))).toEqual([]);
  });

  it('lists the action of every command lib/providers/aws sends', () => {
    expect(unlisted(uses)).toEqual([]);
  });

  it('would catch a command that is not listed, however it is imported', () => {
    const source = `
      import { DescribeRegionsCommand, type Filter, paginateDescribeKeyPairs } from '@aws-sdk/client-ec2';
      import { GetCallerIdentityCommand as WhoAmI } from '@aws-sdk/client-sts';
      await ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
      for await (const page of paginateDescribeKeyPairs({ client: ec2 }, {})) void page;
      await sts.send(new DescribeInstancesCommand({}));`;
    expect(unlisted(sdkCommandUses(source))).toEqual([
      '?:DescribeInstances',
      'ec2:DescribeKeyPairs',
      'ec2:DescribeRegions',
    ]);
    expect(
      sdkCommandUses(
        `import { StopInstancesCommand } from '@aws-sdk/client-ec2'; new StopInstancesCommand({})`,
      ),
    ).toEqual([{ action: 'ec2:StopInstances', input: '{}' }]);
  });

  it('lists nothing the driver neither sends nor needs alongside what it sends', () => {
    const needed = new Set([
      ...sent,
      ...Object.entries(REQUIRED_ALONGSIDE)
        .filter(([action]) => sent.has(action))
        .flatMap(([, { actions }]) => actions),
    ]);
    expect([...LISTED].filter((a) => !needed.has(a))).toEqual([]);
    // An entry for a command the driver no longer sends is stale.
    expect(Object.keys(REQUIRED_ALONGSIDE).filter((a) => !sent.has(a))).toEqual([]);
  });

  it('grants what a command needs alongside it at the same level or below', () => {
    const read = new Set<string>(READ_ACTIONS);
    for (const [action, { actions, why }] of Object.entries(REQUIRED_ALONGSIDE)) {
      expect(why.length).toBeGreaterThan(20);
      const level = read.has(action) ? read : LISTED;
      for (const extra of actions) expect(level, `${extra} for ${action}`).toContain(extra);
    }
  });

  it('reads with Describe, List and Get only, and writes with nothing else', () => {
    const isRead = (a: string) => /^[a-z0-9]+:(Describe|List|Get)/.test(a);
    expect(READ_ACTIONS.filter((a) => !isRead(a))).toEqual([]);
    expect(WRITE_ACTIONS.filter(isRead)).toEqual([]);
    expect(new Set(MANAGE_ACTIONS).size).toBe(MANAGE_ACTIONS.length);
  });

  it('needs no sts:TagSession: AssumeRole passes no session tags (nor a source identity)', () => {
    const assumes = uses.filter((u) => u.action === 'sts:AssumeRole');
    expect(assumes.length).toBeGreaterThan(0);
    for (const { input } of assumes) {
      expect(input).not.toMatch(/\b(Tags|TransitiveTagKeys|SourceIdentity)\s*:/);
      expect(input).toMatch(/RoleArn/); // the input text is really the command's
    }
    expect(LISTED).not.toContain('sts:TagSession');
  });

  it('passes no instance profile to RunInstances, so needs no iam:PassRole', () => {
    const runs = uses.filter((u) => u.action === 'ec2:RunInstances');
    expect(runs.length).toBeGreaterThan(0);
    for (const { input } of runs) expect(input).not.toMatch(/IamInstanceProfile/);
    expect(LISTED).not.toContain('iam:PassRole');
  });
});
