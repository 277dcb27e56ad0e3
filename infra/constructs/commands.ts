/**
 * The commands queue: other systems send versioned JSON machine commands to it (the org token rides in
 * the `Authorization` message attribute), and the worker consumes it next to the jobs queue. The worker
 * tells the two apart by each record's eventSourceARN (COMMANDS_QUEUE_ARN). A malformed or unauthorised
 * command is never retried: the worker forwards it to the commands DLQ itself (COMMANDS_DLQ_URL) with a
 * reason attribute; a transient failure is retried and lands there after the redrive limit. Either way the
 * dead-letter alarm fires.
 */
import { CfnCondition, Fn, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { ArnPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm } from './alarms.js';
import type { NimboFunction } from './function.js';
import { batchEventSource, MAX_RECEIVE_COUNT, queueWithDeadLetters } from './queues.js';

export interface CommandsProps {
  /** The function that consumes the queue; its timeout sets the queue's visibility timeout. */
  worker: NimboFunction;
  /** 12-digit ids of the AWS accounts allowed to send, as a CloudFormation list; `['']` (empty) = none. */
  senderAccountIds: string[];
  alarmTopic: Topic;
}

export class Commands extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: CommandsProps) {
    super(scope, id);
    const { worker } = props;
    if (!worker.timeout) throw new Error('the commands worker needs an explicit timeout');
    const { queue, deadLetters } = queueWithDeadLetters(this, worker.timeout);
    this.queue = queue;
    this.deadLetters = deadLetters;

    // An empty list joins to '': then only the own account may send, through its IAM policies. A queue
    // policy cannot name an empty principal list, so the statement names the own account instead. IAM takes
    // bare 12-digit account ids (one or a list) as AWS principals, hence an ArnPrincipal of the Fn::If.
    const hasSenders = new CfnCondition(this, 'HasSenderAccounts', {
      expression: Fn.conditionNot(Fn.conditionEquals(Fn.join('', props.senderAccountIds), '')),
    });
    const senders = Fn.conditionIf(
      hasSenders.logicalId,
      props.senderAccountIds,
      Stack.of(this).account,
    ).toString();
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CommandSenders',
        principals: [new ArnPrincipal(senders)],
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.queue.queueArn],
      }),
    );

    worker.addEventSource(batchEventSource(this.queue));
    worker.addEnvironment('COMMANDS_QUEUE_ARN', this.queue.queueArn);
    worker.addEnvironment('COMMANDS_DLQ_URL', this.deadLetters.queueUrl);
    this.deadLetters.grantSendMessages(worker);

    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLettersAlarm', {
      deadLetters: this.deadLetters,
      description:
        'Nimbo commands reached the dead-letter queue: they were rejected (malformed or unauthorised; see ' +
        `the message's reason attribute) or failed ${MAX_RECEIVE_COUNT} times`,
      topic: props.alarmTopic,
    });
  }
}
