/**
 * The Nimbo stack. The MongoDB connection string lives in a Secrets Manager secret created outside the
 * stack (it holds Atlas credentials); the stack takes its ARN as a parameter and grants read access only.
 * The data key that seals cloud credentials is a secret the stack generates and keeps on deletion.
 */
import { CfnParameter, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Api } from './constructs/api.js';
import { Jobs } from './constructs/jobs.js';

export class NimboStack extends Stack {
  readonly api: Api;
  readonly jobs: Jobs;
  readonly dataKey: Secret;

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

    // 64 random letters and digits (~380 bits); the functions derive the AES-256 key from it with HKDF.
    this.dataKey = new Secret(this, 'DataKey', {
      description: 'Nimbo data key: seals cloud credentials at rest (AES-256-GCM). Never rotate by hand.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const environment = {
      MONGODB_URI_SECRET_ARN: mongoSecret.secretArn,
      MONGODB_DB: dbName.valueAsString,
      NIMBO_DATA_KEY_SECRET_ARN: this.dataKey.secretArn,
    };
    const secrets = [mongoSecret, this.dataKey];
    this.jobs = new Jobs(this, 'Jobs', { environment, secrets });
    this.api = new Api(this, 'Api', { environment, secrets, jobsQueue: this.jobs.queue });
  }
}
