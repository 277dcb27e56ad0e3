/**
 * cdk-nag's AwsSolutions pack over the whole stack: no finding may be left open, errors and warnings alike.
 * A finding that is accepted is acknowledged next to its construct in infra/ with its reason
 * (Validations.of(construct).acknowledge, cdk-nag 3); this file lists them so that a new one shows up in review.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NimboStack } from '../../infra/stack.js';
import { synthTestStack } from './test-stack.js';

/** Every acknowledgment in the tree: rule id -> reasons, and the construct paths they sit on. */
function acknowledgments(root: IConstruct): { id: string; reason: string; path: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

function findings(scope: IConstruct): string[] {
  return new AwsSolutionsChecks(scope)
    .validateScope(scope)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`),
    );
}

describe('cdk-nag AwsSolutions checks', () => {
  let stack: NimboStack;

  beforeAll(() => {
    ({ stack } = synthTestStack());
  });

  it('leaves no error and no warning open on the Nimbo stack', () => {
    expect(findings(stack)).toEqual([]);
  });

  it('acknowledges only these findings, each where it arises and with a specific reason', () => {
    const acks = acknowledgments(stack);
    expect(acks.map(({ id, path }) => `${id} @ ${path}`).sort()).toEqual(
      [
        'AwsSolutions-APIG4 @ Test/Api/HttpApi',
        'AwsSolutions-S1 @ Test/Dashboard/Bucket',
        ...['CFR1', 'CFR2', 'CFR3', 'CFR4'].map((r) => `AwsSolutions-${r} @ Test/Dashboard/Distribution`),
        ...[
          'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          'IAM5[Action::s3:GetObject*]',
          'IAM5[Action::s3:GetBucket*]',
          'IAM5[Action::s3:List*]',
          'IAM5[Action::s3:DeleteObject*]',
          'IAM5[Action::s3:Abort*]',
          'IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
          'IAM5[Resource::<DashboardBucketA782FB5B.Arn>/*]',
          'IAM5[Resource::*]',
          'L1',
        ].map(
          (r) => `AwsSolutions-${r} @ Test/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB`,
        ),
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/*] @ Test/CloudAccess/AssumeCustomerRoles',
        'AwsSolutions-IAM5[Resource::*] @ Test/CloudAccess/OwnAccountRead',
        'AwsSolutions-IAM5[Resource::*] @ Test/CloudAccess/OwnAccountWrite',
        'AwsSolutions-SMG4 @ Test/DataKey',
        'AwsSolutions-SNS2 @ Test/Alarms/Topic',
        ...['Test/Api/Function', 'Test/Jobs/Tick', 'Test/Jobs/Worker'].flatMap((fn) => [
          `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] @ ${fn}`,
          `AwsSolutions-L1 @ ${fn}`,
        ]),
      ].sort(),
    );
    for (const { reason } of acks) expect(reason.length).toBeGreaterThan(80);
  });

  it('does report what it is not told to accept (the check is not vacuous)', () => {
    const app = new App({ builtinCloudFormationValidation: false } as ConstructorParameters<typeof App>[0]);
    const bare = new Stack(app, 'Bare');
    new Queue(bare, 'Plain', { enforceSSL: false });
    Template.fromStack(bare);
    const open = findings(bare).join('\n');
    expect(open).toMatch(/error AwsSolutions-SQS3 at Bare\/Plain\/Resource/); // no dead-letter queue
    expect(open).toMatch(/error AwsSolutions-SQS4 at Bare\/Plain\/Resource/); // TLS not enforced
  });
});
