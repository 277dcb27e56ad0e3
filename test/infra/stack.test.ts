import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NimboStack } from '../../infra/stack.js';
import { logicalId, synthTestStack } from './test-stack.js';

describe('the Nimbo stack', () => {
  let stack: NimboStack;
  let template: Template;
  const arnOf = (construct: Parameters<typeof logicalId>[1]) => ({
    'Fn::GetAtt': [logicalId(stack, construct), 'Arn'],
  });
  const refOf = (construct: Parameters<typeof logicalId>[1]) => ({ Ref: logicalId(stack, construct) });

  beforeAll(() => {
    ({ stack, template } = synthTestStack());
  });

  it('runs the api, worker and tick functions on Node 22 and arm64', () => {
    expect(
      Object.keys(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Runtime: 'nodejs22.x', Architectures: ['arm64'] },
        }),
      ),
    ).toHaveLength(3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          MONGODB_URI_SECRET_ARN: { Ref: 'MongoConnectionStringArn' },
          MONGODB_DB: { Ref: 'MongoDbName' },
        }),
      },
    });
  });

  it('takes the MongoDB secret ARN as a validated parameter', () => {
    const params = template.findParameters('MongoConnectionStringArn');
    expect(params.MongoConnectionStringArn?.AllowedPattern).toMatch(/secretsmanager/);
    expect(
      new RegExp(params.MongoConnectionStringArn!.AllowedPattern as string).test(
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:nimbo/mongo-AbCdEf',
      ),
    ).toBe(true);
    expect(new RegExp(params.MongoConnectionStringArn!.AllowedPattern as string).test('nimbo/mongo')).toBe(
      false,
    );
  });

  it('lets each function read the MongoDB secret named by the parameter', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Effect: 'Allow',
              Resource: { Ref: 'MongoConnectionStringArn' },
            }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(3);
  });

  it('generates the data key secret, keeps it when the stack goes, and gives its ARN to the functions', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: { GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) },
    });
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: Match.objectLike({ NIMBO_DATA_KEY_SECRET_ARN: Match.anyValue() }) },
      },
    });
    expect(Object.keys(fns)).toHaveLength(3);
  });

  it('encrypts all four queues with SQS-managed keys and refuses requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue', {
      Properties: { SqsManagedSseEnabled: true },
    });
    expect(Object.keys(queues)).toHaveLength(4);
    for (const queue of [
      stack.jobs.queue,
      stack.jobs.deadLetters,
      stack.commands.queue,
      stack.commands.deadLetters,
    ]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [refOf(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('redrives jobs and commands that fail three times to their own dead-letter queues, kept 14 days', () => {
    for (const { queue, deadLetters } of [stack.jobs, stack.commands]) {
      const [id] = Object.keys(
        template.findResources('AWS::SQS::Queue', {
          Properties: {
            // Six times the worker's two-minute timeout.
            VisibilityTimeout: 720,
            RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: arnOf(deadLetters) },
          },
        }),
      );
      expect(id).toBe(logicalId(stack, queue));
      expect(template.toJSON().Resources[logicalId(stack, deadLetters)].Properties).toMatchObject({
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    }
  });

  it('feeds the worker from both the jobs and the commands queue with partial batch responses', () => {
    for (const queue of [stack.jobs.queue, stack.commands.queue]) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(queue),
        FunctionName: refOf(stack.jobs.worker),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });

  it('tells the worker the commands queue ARN and the commands DLQ URL', () => {
    const worker = template.toJSON().Resources[logicalId(stack, stack.jobs.worker)];
    expect(worker.Properties.Environment.Variables).toMatchObject({
      COMMANDS_QUEUE_ARN: arnOf(stack.commands.queue),
      COMMANDS_DLQ_URL: refOf(stack.commands.deadLetters),
      JOBS_QUEUE_URL: refOf(stack.jobs.queue),
    });
  });

  it('lets the worker forward rejected commands to the commands DLQ, and no other function', () => {
    const sendToCommandsDlq = Match.objectLike({
      Action: Match.arrayWith(['sqs:SendMessage']),
      Effect: 'Allow',
      Resource: arnOf(stack.commands.deadLetters),
    });
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([sendToCommandsDlq]) } },
    });
    expect(Object.values(policies).map((p) => p.Properties.Roles)).toEqual([
      [{ Ref: logicalId(stack, stack.jobs.worker.role!) }],
    ]);
  });

  it('lets the accounts of CommandSenderAccountIds send commands, and only the own account when it is empty', () => {
    const param = template.findParameters('CommandSenderAccountIds').CommandSenderAccountIds!;
    expect(param).toMatchObject({ Type: 'CommaDelimitedList', Default: '' });
    expect(param.Description).toMatch(/account ids.*Empty \(the default\): only this account/s);
    const item = new RegExp(param.AllowedPattern as string); // CloudFormation applies it to each item
    for (const ok of ['123456789012', '']) expect(item.test(ok)).toBe(true);
    for (const bad of ['12345678901', '1234567890123', ' 123456789012', 'arn:aws:iam::123456789012:root']) {
      expect(item.test(bad)).toBe(false);
    }

    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    const [hasSenders, expression] = Object.entries(conditions).find(([id]) => /HasSenderAccounts/.test(id))!;
    expect(expression).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'CommandSenderAccountIds' }] }, ''] }],
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [refOf(stack.commands.queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'CommandSenders',
            Effect: 'Allow',
            Principal: {
              AWS: { 'Fn::If': [hasSenders, { Ref: 'CommandSenderAccountIds' }, { Ref: 'AWS::AccountId' }] },
            },
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Resource: arnOf(stack.commands.queue),
          },
        ]),
      },
    });
  });

  it('alarms on the depth of both dead-letter queues, into the alarm topic', () => {
    for (const [deadLetters, description] of [
      [stack.jobs.deadLetters, /failed three times/],
      [stack.commands.deadLetters, /rejected \(malformed or unauthorised.*\) or failed 3 times/],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, deadLetters), 'QueueName'] } },
        ],
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(description.source),
        AlarmActions: [refOf(stack.alarms.topic)],
      });
    }
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  it('lets CloudWatch alarms of this account publish to the alarm topic, over TLS only', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [refOf(stack.alarms.topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('outputs the commands queue URL and ARN, the commands DLQ URL and the alarm topic ARN', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs).toMatchObject({
      CommandsQueueUrl: { Value: refOf(stack.commands.queue) },
      CommandsQueueArn: { Value: arnOf(stack.commands.queue) },
      CommandsDeadLetterQueueUrl: { Value: refOf(stack.commands.deadLetters) },
      AlarmTopicArn: { Value: refOf(stack.alarms.topic) },
    });
  });

  it('creates the event bus, outputs its name and ARN, and names it to every function', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: Match.stringLikeRegexp('EventBus'),
      Description: Match.stringLikeRegexp('Source "nimbo", DetailType the event type'),
    });
    expect(template.toJSON().Outputs).toMatchObject({
      EventBusName: { Value: refOf(stack.eventBus) },
      EventBusArn: { Value: arnOf(stack.eventBus) },
    });
    // Each records events and queues their publication (the api, the tick's sweep, the worker).
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: refOf(stack.eventBus) }) } },
    });
    expect(Object.keys(fns).sort()).toEqual(
      [stack.api.fn, stack.jobs.worker, stack.jobs.tick].map((fn) => logicalId(stack, fn)).sort(),
    );
  });

  it('lets the worker put events on that bus only, and no other function put any', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>)
        .filter((st) => JSON.stringify(st.Action).includes('events:'))
        .map((st) => ({ roles: p.Properties.Roles, action: st.Action, resource: st.Resource })),
    );
    expect(statements).toEqual([
      {
        roles: [{ Ref: logicalId(stack, stack.jobs.worker.role!) }],
        action: 'events:PutEvents',
        resource: arnOf(stack.eventBus),
      },
    ]);
  });

  it('invokes the tick every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(stack.jobs.tick), RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it('puts an HTTP API with payload format 2.0 in front of the function, with access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('requestId'),
      },
    });
  });

  it('keeps function and access logs for a month', () => {
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups).toHaveLength(4);
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });
});
