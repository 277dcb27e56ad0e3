/**
 * A dead-letter queue in local mode: it keeps what reaches it, as SQS keeps a DLQ's messages for people to
 * look at. Messages arrive by redrive (a local queue's maxReceiveCount) or sent directly (rejected
 * commands, with their reason in the attributes).
 */
import type { MessageQueue, OutgoingMessage } from '../../lib/messages/queue.js';

export interface DeadLetter {
  body: string;
  attributes: Record<string, string>;
  at: Date;
}

export class LocalDeadLetterQueue implements MessageQueue {
  readonly messages: DeadLetter[] = [];

  constructor(
    readonly name: string,
    private readonly onMessage?: (m: DeadLetter) => void,
  ) {}

  async send(m: OutgoingMessage): Promise<void> {
    const letter = { body: m.body, attributes: { ...m.attributes }, at: new Date() };
    this.messages.push(letter);
    this.onMessage?.(letter);
  }

  async sendBatch(messages: OutgoingMessage[]): Promise<void> {
    for (const m of messages) await this.send(m);
  }
}
