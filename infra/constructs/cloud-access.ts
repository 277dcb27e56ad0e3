/**
 * What the functions that talk to clouds (the api and the worker; the tick never does) may do in AWS:
 * - assume customers' roles, for clouds of type "assumeRole" (the recommended way): the customer's trust
 *   policy names this account and the cloud's external id. Roles of this very account are denied, so that a
 *   cloud cannot borrow a role here that trusts the account as a whole; this account is reached as a
 *   cloud of type "role" instead, below.
 * - act in this account as themselves, for clouds of type "role", only as far as the OwnAccountCloudAccess
 *   parameter says: `none` nothing, `read` READ_ACTIONS, `manage` READ_ACTIONS and WRITE_ACTIONS
 *   (infra/cloud-actions.ts). Each policy exists only under its CloudFormation condition, so `none`
 *   attaches nothing EC2 or Route 53.
 */
import { Aws, CfnCondition, Fn, Validations } from 'aws-cdk-lib';
import { type CfnPolicy, Effect, type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ASSUME_ROLE_ACTIONS, READ_ACTIONS, WRITE_ACTIONS } from '../cloud-actions.js';

/** The values of the OwnAccountCloudAccess parameter, the default first. */
export const OWN_ACCOUNT_ACCESS_LEVELS = ['none', 'read', 'manage'] as const;

export interface CloudAccessProps {
  /** The roles of the functions that call clouds. */
  roles: IRole[];
  /** The OwnAccountCloudAccess parameter's value: one of OWN_ACCOUNT_ACCESS_LEVELS. */
  ownAccountAccess: string;
}

export class CloudAccess extends Construct {
  readonly assumeRoles: Policy;
  readonly ownAccountRead: Policy;
  readonly ownAccountWrite: Policy;
  readonly readCondition: CfnCondition;
  readonly manageCondition: CfnCondition;

  constructor(scope: Construct, id: string, props: CloudAccessProps) {
    super(scope, id);
    const { roles } = props;

    this.assumeRoles = new Policy(this, 'AssumeCustomerRoles', {
      roles,
      statements: [
        new PolicyStatement({
          sid: 'AssumeCustomerRoles',
          actions: [...ASSUME_ROLE_ACTIONS],
          resources: [`arn:${Aws.PARTITION}:iam::*:role/*`],
        }),
        new PolicyStatement({
          sid: 'NotThisAccountsRoles',
          effect: Effect.DENY,
          actions: [...ASSUME_ROLE_ACTIONS],
          resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/*`],
        }),
      ],
    });
    Validations.of(this.assumeRoles).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/*]',
      reason:
        'Clouds of type "assumeRole" name a role in the customer\'s own account, which is not known when the ' +
        "stack is deployed: any account, any role name. What may be assumed is decided by each role's trust " +
        "policy (this account and the cloud's external id); roles of this account are denied here.",
    });

    this.readCondition = new CfnCondition(this, 'ReadOrManage', {
      expression: Fn.conditionOr(
        Fn.conditionEquals(props.ownAccountAccess, 'read'),
        Fn.conditionEquals(props.ownAccountAccess, 'manage'),
      ),
    });
    this.manageCondition = new CfnCondition(this, 'Manage', {
      expression: Fn.conditionEquals(props.ownAccountAccess, 'manage'),
    });

    this.ownAccountRead = ownAccountPolicy(this, 'OwnAccountRead', {
      roles,
      actions: READ_ACTIONS,
      condition: this.readCondition,
      reason:
        'EC2 Describe* and Route 53 List* calls cannot be scoped to resources, and a cloud of type "role" ' +
        'inventories every machine, image, snapshot, VPC, subnet and hosted zone of this account. Read-only, ' +
        'and only when the OwnAccountCloudAccess parameter is read or manage.',
    });
    this.ownAccountWrite = ownAccountPolicy(this, 'OwnAccountWrite', {
      roles,
      actions: WRITE_ACTIONS,
      condition: this.manageCondition,
      reason:
        'A cloud of type "role" manages machines, snapshots, VPCs, subnets and hosted zones that Nimbo did ' +
        'not create and whose ids it only learns by polling, so no resource ARN or tag can bound them. The ' +
        'actions are exactly those the driver sends, and only when OwnAccountCloudAccess is manage.',
    });
  }
}

function ownAccountPolicy(
  scope: Construct,
  id: string,
  props: { roles: IRole[]; actions: readonly string[]; condition: CfnCondition; reason: string },
): Policy {
  const policy = new Policy(scope, id, {
    roles: props.roles,
    statements: [new PolicyStatement({ sid: id, actions: [...props.actions], resources: ['*'] })],
  });
  (policy.node.defaultChild as CfnPolicy).cfnOptions.condition = props.condition;
  Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: props.reason });
  return policy;
}
