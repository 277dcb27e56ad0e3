/**
 * The Nimbo stack. The MongoDB connection string lives in a Secrets Manager secret created outside the
 * stack (it holds Atlas credentials); the stack takes its ARN as a parameter and grants read access only.
 * The data key that seals cloud credentials is a secret the stack generates and keeps on deletion.
 * Other systems send commands to the commands queue; the accounts allowed to are a parameter.
 * The api and worker may assume customers' roles (clouds of type "assumeRole"); what they may do in this
 * account as themselves (clouds of type "role") is a parameter, nothing by default: see cloud-access.ts.
 * Every recorded event also goes to the stack's EventBridge bus (Source "nimbo", DetailType the event type,
 * Detail the event: lib/events/publish.ts), for other systems to subscribe with their own rules. Publishing
 * is a job on the jobs queue, so it has that queue's retries, dead letters and alarm; only the worker puts.
 */
import { CfnOutput, CfnParameter, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AlarmTopic } from './constructs/alarms.js';
import { Api } from './constructs/api.js';
import { CloudAccess, OWN_ACCOUNT_ACCESS_LEVELS } from './constructs/cloud-access.js';
import { Commands } from './constructs/commands.js';
import { Dashboard } from './constructs/dashboard.js';
import { Jobs } from './constructs/jobs.js';

export class NimboStack extends Stack {
  readonly api: Api;
  readonly dashboard: Dashboard;
  readonly jobs: Jobs;
  readonly commands: Commands;
  readonly cloudAccess: CloudAccess;
  readonly alarms: AlarmTopic;
  readonly dataKey: Secret;
  readonly eventBus: EventBus;

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
    const senderAccountIds = new CfnParameter(this, 'CommandSenderAccountIds', {
      type: 'CommaDelimitedList',
      default: '',
      // CloudFormation applies the pattern to each item; the empty item is the empty default.
      allowedPattern: '^(\\d{12})?$',
      constraintDescription: 'must be a comma-separated list of 12-digit AWS account ids, without spaces',
      description:
        'AWS account ids (12 digits, comma-separated) allowed to send commands to the commands queue. ' +
        'Each account must also allow sqs:SendMessage in its own IAM policies. Empty (the default): only this ' +
        'account, through its IAM policies. The queue uses SQS-managed encryption, so senders need no KMS access.',
    });
    const ownAccountAccess = new CfnParameter(this, 'OwnAccountCloudAccess', {
      type: 'String',
      default: OWN_ACCOUNT_ACCESS_LEVELS[0],
      allowedValues: [...OWN_ACCOUNT_ACCESS_LEVELS],
      description:
        'What clouds of type "role" (credentials {"type":"role"}: the functions\' own role, in THIS account) may ' +
        'do in EC2 and Route 53. none (the default): nothing, their connection check fails; read: inventory, ' +
        'catalog, snapshot, DNS and network listings; manage: read plus machine actions and creation, ' +
        'snapshots, DNS zones and records, VPCs and subnets. Any org admin can add such a cloud. Clouds of type ' +
        '"assumeRole" are not affected: they get what the customer\'s role allows.',
    });
    const mongoSecret = Secret.fromSecretCompleteArn(this, 'MongoUriSecret', secretArn.valueAsString);

    // 64 random letters and digits (~380 bits); the functions derive the AES-256 key from it with HKDF.
    this.dataKey = new Secret(this, 'DataKey', {
      description: 'Nimbo data key: seals cloud credentials at rest (AES-256-GCM). Never rotate by hand.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.dataKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The data key must not rotate: cloud credentials sealed with a key derived from it would become ' +
        'unreadable. Rotating it needs a re-encryption of every sealed secret, which is not a Lambda rotation.',
    });

    // Named after the stack's path (CDK's unique name), so two Nimbo stacks in one account never share a bus.
    this.eventBus = new EventBus(this, 'EventBus', {
      description: 'Nimbo events: Source "nimbo", DetailType the event type, Detail the event (version 1)',
    });

    const environment = {
      MONGODB_URI_SECRET_ARN: mongoSecret.secretArn,
      MONGODB_DB: dbName.valueAsString,
      NIMBO_DATA_KEY_SECRET_ARN: this.dataKey.secretArn,
      // Every function records events (and queues their publication); only the worker's jobs put them.
      EVENT_BUS_NAME: this.eventBus.eventBusName,
    };
    const secrets = [mongoSecret, this.dataKey];
    this.alarms = new AlarmTopic(this, 'Alarms');
    const alarmTopic = this.alarms.topic;
    this.jobs = new Jobs(this, 'Jobs', { environment, secrets, alarmTopic });
    this.commands = new Commands(this, 'Commands', {
      worker: this.jobs.worker,
      senderAccountIds: senderAccountIds.valueAsList,
      alarmTopic,
    });
    this.eventBus.grantPutEventsTo(this.jobs.worker);
    this.api = new Api(this, 'Api', { environment, secrets, jobsQueue: this.jobs.queue });
    this.dashboard = new Dashboard(this, 'Dashboard', { httpApi: this.api.httpApi });
    // The api checks connections, lists and changes DNS and networks; the worker polls and acts on machines.
    this.cloudAccess = new CloudAccess(this, 'CloudAccess', {
      roles: [this.api.fn.role!, this.jobs.worker.role!],
      ownAccountAccess: ownAccountAccess.valueAsString,
    });

    new CfnOutput(this, 'CommandsQueueUrl', {
      value: this.commands.queue.queueUrl,
      description: 'URL of the commands queue: other systems send machine commands here',
    });
    new CfnOutput(this, 'CommandsQueueArn', {
      value: this.commands.queue.queueArn,
      description: "ARN of the commands queue, for the senders' IAM policies",
    });
    new CfnOutput(this, 'CommandsDeadLetterQueueUrl', {
      value: this.commands.deadLetters.queueUrl,
      description:
        'URL of the commands dead-letter queue: rejected commands (with a reason) and repeated failures',
    });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'Name of the event bus Nimbo publishes every event to: add rules on it (source "nimbo")',
    });
    new CfnOutput(this, 'EventBusArn', {
      value: this.eventBus.eventBusArn,
      description: 'ARN of the event bus, for rules and policies in other stacks or accounts',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarmTopic.topicArn,
      description: 'SNS topic every Nimbo alarm notifies: subscribe to it to be told',
    });
  }
}
