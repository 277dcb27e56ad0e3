/**
 * The jobs pipeline: the jobs queue (with its dead-letter queue and an alarm on it), the worker that
 * consumes it with partial batch responses, and the one-minute tick that finds due work.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NimboFunction } from './function.js';

export interface JobsProps {
  environment: Record<string, string>;
  secrets: ISecret[];
}

const WORKER_TIMEOUT = Duration.minutes(2);

export class Jobs extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly worker: NimboFunction;
  readonly tick: NimboFunction;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      // Six times the worker's timeout, as AWS advises for Lambda event sources.
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 3 },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const environment = { ...props.environment, JOBS_QUEUE_URL: this.queue.queueUrl };

    this.worker = new NimboFunction(this, 'Worker', {
      entry: 'functions/worker.ts',
      description: 'Nimbo worker: polls, machine actions and other jobs',
      timeout: WORKER_TIMEOUT,
      environment,
    });
    this.worker.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    this.queue.grantSendMessages(this.worker); // follow-up polls

    this.tick = new NimboFunction(this, 'Tick', {
      entry: 'functions/tick.ts',
      description: 'Nimbo tick: finds due polls every minute',
      timeout: Duration.seconds(55),
      environment,
    });
    this.queue.grantSendMessages(this.tick);
    new Rule(this, 'EveryMinute', {
      description: 'Invokes the Nimbo tick every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.tick, { retryAttempts: 2 })],
    });

    for (const secret of props.secrets) {
      secret.grantRead(this.worker);
      secret.grantRead(this.tick);
    }

    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Nimbo jobs reached the dead-letter queue: they failed three times',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
