import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NimboStack } from '../../infra/stack.js';

describe('the Nimbo stack', () => {
  let template: Template;

  beforeAll(() => {
    // No esbuild and no wasm validator: this test is about the template's shape (notes/toolchain.md P6, P7).
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    } as ConstructorParameters<typeof App>[0]);
    template = Template.fromStack(new NimboStack(app, 'Test'));
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

  it('feeds the worker from the jobs queue with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('sends jobs that fail three times to a dead-letter queue, and alarms on it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
      VisibilityTimeout: 720,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('invokes the tick every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it('puts an HTTP API with payload format 2.0 in front of the function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
  });

  it('keeps function logs for a month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});
