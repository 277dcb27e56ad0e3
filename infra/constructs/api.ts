/** The HTTP API: API Gateway HTTP API (payload 2.0) in front of functions/api, every route under one proxy. */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
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
    });
    new CfnOutput(this, 'Url', { value: this.httpApi.apiEndpoint, description: 'Base URL of the Nimbo API' });
  }
}
