/**
 * Sending to a queue: SQS when deployed, the local runtime's in-process queue in local mode. Both are
 * addressed by URL (`local://jobs` locally), so services only know "the jobs queue".
 */
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../core/errors.js';

export interface OutgoingMessage {
  body: string;
  /** SQS DelaySeconds (0-900). */
  delaySeconds?: number;
  attributes?: Record<string, string>;
}

export interface MessageQueue {
  send(message: OutgoingMessage): Promise<void>;
  sendBatch(messages: OutgoingMessage[]): Promise<void>;
}

let sqs: SQSClient | undefined;

function attributes(attrs?: Record<string, string>) {
  if (!attrs) return undefined;
  return Object.fromEntries(
    Object.entries(attrs).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
  );
}

export class SqsQueue implements MessageQueue {
  constructor(private readonly url: string) {}

  async send(m: OutgoingMessage): Promise<void> {
    sqs ??= new SQSClient({});
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.url,
        MessageBody: m.body,
        DelaySeconds: m.delaySeconds,
        MessageAttributes: attributes(m.attributes),
      }),
    );
  }

  /** SQS takes 10 messages per batch; a partially failed batch fails the call, naming how many failed. */
  async sendBatch(messages: OutgoingMessage[]): Promise<void> {
    sqs ??= new SQSClient({});
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.url,
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            MessageBody: m.body,
            DelaySeconds: m.delaySeconds,
            MessageAttributes: attributes(m.attributes),
          })),
        }),
      );
      if (out.Failed?.length) {
        throw new Error(
          `SQS refused ${out.Failed.length} of ${chunk.length} messages: ${out.Failed[0]?.Code}`,
        );
      }
    }
  }
}

const localQueues = new Map<string, MessageQueue>();

/** The local runtime registers its in-process queues here (never in a deployed stack). */
export function registerLocalQueue(url: string, queue: MessageQueue): void {
  localQueues.set(url, queue);
}

export function unregisterLocalQueue(url: string): void {
  localQueues.delete(url);
}

export function queueFor(url: string | undefined, name: string): MessageQueue {
  if (!url) throw new ConfigurationError(`No URL for the ${name} queue`);
  if (url.startsWith('local://')) {
    const local = localQueues.get(url);
    if (!local) throw new ConfigurationError(`The local queue ${url} is not running`);
    return local;
  }
  return new SqsQueue(url);
}

export function jobsQueue(env: NodeJS.ProcessEnv = process.env): MessageQueue {
  return queueFor(env.JOBS_QUEUE_URL, 'jobs');
}
