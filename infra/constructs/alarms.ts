/**
 * Alarms and where they notify: one SNS topic that every Nimbo alarm publishes to (subscribe an email,
 * a chat integration or a pager to it; the stack outputs its ARN), and the dead-letter depth alarm that
 * both queues use.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'Nimbo alarms', enforceSSL: true });
    // The topic policy replaces SNS's default one, so CloudWatch must be let in explicitly (own alarms only).
    this.topic.grantPublish(
      new ServicePrincipal('cloudwatch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states, no customer data. CloudWatch cannot publish to ' +
        'a topic encrypted with the AWS-managed SNS key, and a customer-managed key would add cost and a key ' +
        'policy for no confidentiality gain. TLS is enforced by the topic policy (SNS3).',
    });
  }
}

export interface DeadLetterAlarmProps {
  deadLetters: IQueue;
  description: string;
  topic: Topic;
}

/** Alarms as soon as one message is visible in `deadLetters`, checked every minute. */
export function deadLetterAlarm(scope: Construct, id: string, props: DeadLetterAlarmProps): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(props.topic));
  return alarm;
}
