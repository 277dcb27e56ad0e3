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

  it('runs the api function on Node 22 and arm64 with its entry bundled as ESM', () => {
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

  it('lets the api function read that secret and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Effect: 'Allow',
            Resource: { Ref: 'MongoConnectionStringArn' },
          }),
        ]),
      },
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
