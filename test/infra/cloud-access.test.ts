/**
 * What the functions may do in AWS clouds (infra/constructs/cloud-access.ts): assume customers' roles, and
 * act in this account as far as OwnAccountCloudAccess says. The conditions are evaluated here for each
 * value of the parameter, so the tests say what each deployment really grants, not only how it is wired.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANAGE_ACTIONS, READ_ACTIONS } from '../../infra/cloud-actions.js';
import type { NimboStack } from '../../infra/stack.js';
import { logicalId, synthTestStack } from './test-stack.js';

type Json = any;

/** Evaluates a CloudFormation condition expression with the given parameter values. */
function evaluate(expr: Json, conditions: Record<string, Json>, params: Record<string, string>): Json {
  if (typeof expr === 'string') return expr;
  if ('Ref' in expr) {
    if (!(expr.Ref in params)) throw new Error(`no value for parameter ${expr.Ref}`);
    return params[expr.Ref];
  }
  if ('Condition' in expr) return evaluate(conditions[expr.Condition], conditions, params);
  const [fn, args] = Object.entries(expr)[0] as [string, Json[]];
  const values = args.map((a) => evaluate(a, conditions, params));
  switch (fn) {
    case 'Fn::Equals':
      return values[0] === values[1];
    case 'Fn::Or':
      return values.some(Boolean);
    case 'Fn::And':
      return values.every(Boolean);
    case 'Fn::Not':
      return !values[0];
    default:
      throw new Error(`cannot evaluate ${fn}`);
  }
}

const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe('cloud access of the functions', () => {
  let stack: NimboStack;
  let template: Template;
  let json: Json;
  const roleRef = (role: IRole) => ({ Ref: logicalId(stack, role) });

  beforeAll(() => {
    ({ stack, template } = synthTestStack());
    json = template.toJSON();
  });

  function policies(): { id: string; condition?: string; roles: Json[]; statements: Json[] }[] {
    return Object.entries(template.findResources('AWS::IAM::Policy')).map(([id, r]: [string, Json]) => ({
      id,
      condition: r.Condition,
      roles: r.Properties.Roles ?? [],
      statements: r.Properties.PolicyDocument.Statement,
    }));
  }

  /** The actions of `prefixes` that `role` is allowed when OwnAccountCloudAccess is `level`. */
  function allowed(role: IRole, level: string, prefixes = /^(ec2|route53|sts|iam):/): string[] {
    const params = { OwnAccountCloudAccess: level };
    return policies()
      .filter((p) => p.roles.some((r) => r.Ref === roleRef(role).Ref))
      .filter((p) => !p.condition || evaluate({ Condition: p.condition }, json.Conditions, params))
      .flatMap((p) => p.statements.filter((s: Json) => s.Effect === 'Allow'))
      .flatMap((s: Json) => asList<string>(s.Action))
      .filter((a) => prefixes.test(a))
      .sort();
  }

  it('takes OwnAccountCloudAccess as a parameter: none (the default), read or manage, for clouds of type "role"', () => {
    const param = template.findParameters('OwnAccountCloudAccess').OwnAccountCloudAccess!;
    expect(param).toMatchObject({
      Type: 'String',
      Default: 'none',
      AllowedValues: ['none', 'read', 'manage'],
    });
    expect(param.Description).toMatch(/type "role".*own role.*THIS account/);
    expect(param.Description).toMatch(/none \(the default\): nothing.*read: .*manage: read plus/s);
    expect(param.Description).toMatch(/"assumeRole" are not affected/);
  });

  it('lets the api and the worker assume roles in any account but this one, and the tick not', () => {
    const assume = policies().filter((p) =>
      p.statements.some((s: Json) => asList(s.Action).includes('sts:AssumeRole')),
    );
    expect(assume).toHaveLength(1);
    const [policy] = assume;
    expect(policy!.condition).toBeUndefined(); // whatever OwnAccountCloudAccess says
    expect(policy!.roles).toEqual([roleRef(stack.api.fn.role!), roleRef(stack.jobs.worker.role!)]);
    expect(policy!.statements).toEqual([
      {
        Sid: 'AssumeCustomerRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/*']] },
      },
      {
        Sid: 'NotThisAccountsRoles',
        Effect: 'Deny',
        Action: 'sts:AssumeRole',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/*'],
          ],
        },
      },
    ]);
    for (const level of ['none', 'read', 'manage']) {
      expect(allowed(stack.jobs.tick.role!, level)).toEqual([]);
    }
  });

  it('never grants sts:TagSession nor iam:PassRole', () => {
    const actions = policies().flatMap((p) => p.statements.flatMap((s: Json) => asList<string>(s.Action)));
    expect(actions).not.toContain('sts:TagSession');
    expect(actions).not.toContain('iam:PassRole');
  });

  it('attaches nothing EC2 or Route 53 with none (the default)', () => {
    for (const role of [stack.api.fn.role!, stack.jobs.worker.role!, stack.jobs.tick.role!]) {
      expect(allowed(role, 'none')).toEqual(role === stack.jobs.tick.role ? [] : ['sts:AssumeRole']);
    }
  });

  it('lets the api and the worker read this account with read, and the tick nothing', () => {
    for (const role of [stack.api.fn.role!, stack.jobs.worker.role!]) {
      expect(allowed(role, 'read', /^(ec2|route53):/)).toEqual([...READ_ACTIONS].sort());
    }
    expect(allowed(stack.jobs.tick.role!, 'read')).toEqual([]);
  });

  it('lets the api and the worker do everything the driver does in this account with manage', () => {
    for (const role of [stack.api.fn.role!, stack.jobs.worker.role!]) {
      expect(allowed(role, 'manage', /^(ec2|route53):/)).toEqual([...MANAGE_ACTIONS].sort());
    }
    expect(allowed(stack.jobs.tick.role!, 'manage')).toEqual([]);
  });

  it('wires the read policy to "read or manage" and the write policy to "manage", on any resource', () => {
    const byId = (construct: Parameters<typeof logicalId>[1]) =>
      policies().find((p) => p.id === logicalId(stack, construct))!;
    const { cloudAccess } = stack;
    const read = byId(cloudAccess.ownAccountRead);
    const write = byId(cloudAccess.ownAccountWrite);
    expect(read.condition).toBe(stack.getLogicalId(cloudAccess.readCondition));
    expect(write.condition).toBe(stack.getLogicalId(cloudAccess.manageCondition));
    const param = { Ref: 'OwnAccountCloudAccess' };
    expect(json.Conditions[read.condition!]).toEqual({
      'Fn::Or': [{ 'Fn::Equals': [param, 'read'] }, { 'Fn::Equals': [param, 'manage'] }],
    });
    expect(json.Conditions[write.condition!]).toEqual({ 'Fn::Equals': [param, 'manage'] });
    for (const policy of [read, write]) {
      expect(policy.roles).toEqual([roleRef(stack.api.fn.role!), roleRef(stack.jobs.worker.role!)]);
      expect(policy.statements).toHaveLength(1);
      expect(policy.statements[0]).toMatchObject({ Effect: 'Allow', Resource: '*' });
    }
  });

  it('grants EC2 and Route 53 actions only in the conditional policies', () => {
    const unconditional = policies()
      .filter((p) => !p.condition)
      .flatMap((p) => p.statements.flatMap((s: Json) => asList<string>(s.Action)))
      .filter((a) => /^(ec2|route53):/.test(a));
    expect(unconditional).toEqual([]);
  });
});
