/**
 * The Nimbo stack. The MongoDB connection string lives in a Secrets Manager secret created outside the
 * stack (it holds Atlas credentials); the stack takes its ARN as a parameter and grants read access only.
 */
import { CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Api } from './constructs/api.js';

export class NimboStack extends Stack {
  readonly api: Api;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const secretArn = new CfnParameter(this, 'MongoConnectionStringArn', {
      type: 'String',
      description:
        'ARN of the Secrets Manager secret whose value is the MongoDB connection string (or JSON {"uri": ...})',
      allowedPattern: '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+$',
      constraintDescription: 'must be a Secrets Manager secret ARN',
    });
    const dbName = new CfnParameter(this, 'MongoDbName', {
      type: 'String',
      default: 'nimbo',
      allowedPattern: '^[A-Za-z0-9_-]{1,63}$',
      description: 'MongoDB database name',
    });
    const mongoSecret = Secret.fromSecretCompleteArn(this, 'MongoUriSecret', secretArn.valueAsString);
    this.api = new Api(this, 'Api', { mongoSecret, mongoDbName: dbName.valueAsString });
  }
}
