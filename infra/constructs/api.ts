/**
 * The HTTP API: API Gateway HTTP API (payload 2.0) in front of functions/api, every route under one proxy,
 * with access logs (API Gateway's common log format: no headers, so never a token) kept 30 days.
 */
import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import { HttpApi, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NimboFunction } from './function.js';

export interface ApiProps {
  environment: Record<string, string>;
  secrets: ISecret[];
  jobsQueue: IQueue;
}

export class Api extends Construct {
  readonly fn: NimboFunction;
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.fn = new NimboFunction(this, 'Function', {
      entry: 'functions/api.ts',
      description: 'Nimbo API: every /v1 route',
      timeout: Duration.seconds(29), // API Gateway's integration limit
      environment: { ...props.environment, JOBS_QUEUE_URL: props.jobsQueue.queueUrl },
    });
    for (const secret of props.secrets) secret.grantRead(this.fn);
    props.jobsQueue.grantSendMessages(this.fn);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Nimbo API',
      defaultIntegration: new HttpLambdaIntegration('ApiIntegration', this.fn),
      // The $default stage is added below with access logs (same construct id, so the same logical id).
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The function authenticates every /v1 request itself: Bearer org tokens (stored hashed in MongoDB) ' +
        'with per-route roles (lib/http/auth.ts), and a few routes (health, OpenAPI) are public on purpose. ' +
        'An API Gateway authorizer would repeat the same token lookup in a second invocation per request.',
    });
    new CfnOutput(this, 'Url', { value: this.httpApi.apiEndpoint, description: 'Base URL of the Nimbo API' });
  }
}
