/**
 * The jobs pipeline: the jobs queue (with its dead-letter queue and an alarm on it), the worker that
 * consumes it with partial batch responses, and the one-minute tick that finds due work.
 * The worker also consumes the commands queue: see commands.ts.
 */
import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './alarms.js';
import { NimboFunction } from './function.js';
import { batchEventSource, queueWithDeadLetters } from './queues.js';

export interface JobsProps {
  environment: Record<string, string>;
  secrets: ISecret[];
  alarmTopic: Topic;
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
    const { queue, deadLetters } = queueWithDeadLetters(this, WORKER_TIMEOUT);
    this.queue = queue;
    this.deadLetters = deadLetters;
    const environment = { ...props.environment, JOBS_QUEUE_URL: this.queue.queueUrl };

    this.worker = new NimboFunction(this, 'Worker', {
      entry: 'functions/worker.ts',
      description:
        'Nimbo worker: jobs (polls, machine actions, schedule runs) and commands from other systems',
      timeout: WORKER_TIMEOUT,
      environment,
    });
    this.worker.addEventSource(batchEventSource(this.queue));
    this.queue.grantSendMessages(this.worker); // follow-up polls

    this.tick = new NimboFunction(this, 'Tick', {
      entry: 'functions/tick.ts',
      description: 'Nimbo tick: finds due schedules, polls and probes every minute',
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

    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLettersAlarm', {
      deadLetters: this.deadLetters,
      description: 'Nimbo jobs reached the dead-letter queue: they failed three times',
      topic: props.alarmTopic,
    });
  }
}
