import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalDeadLetterQueue } from '../../local/runtime/dead-letters.js';
import { localQueueEndpoints } from '../../local/runtime/local-endpoints.js';
import { LocalSqsQueue } from '../../local/runtime/sqs-queue.js';
import { uniqueDbName, useTestDatabase } from '../helpers/mongo.js';

describe("the local runtime's queue endpoints", () => {
  const t = useTestDatabase('endpoints');

  function setup() {
    const received: SQSEvent[] = [];
    const name = uniqueDbName('c');
    const commands = new LocalSqsQueue({
      name,
      db: () => t.db,
      handler: async (event) => {
        received.push(event);
        return { batchItemFailures: [] };
      },
    });
    const dlq = new LocalDeadLetterQueue(`${name}-dlq`, () => t.db);
    const call = (method: string, path: string, body: unknown) =>
      localQueueEndpoints(commands, dlq)(
        method,
        path,
        Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      );
    return { commands, dlq, received, call };
  }

  it('puts a message with its attributes on the commands queue, answering its id', async () => {
    const { commands, received, call } = setup();
    const res = await call('POST', '/_local/queues/commands', {
      MessageBody: '{"version":1}',
      MessageAttributes: { Authorization: 'Bearer x' },
    });
    expect(res).toMatchObject({ status: 200, body: { MessageId: expect.any(String) } });
    await commands.drain();
    expect(received[0]!.Records[0]).toMatchObject({
      messageId: (res!.body as { MessageId: string }).MessageId,
      body: '{"version":1}',
      messageAttributes: { Authorization: { stringValue: 'Bearer x' } },
    });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no body', { MessageAttributes: {} }, /MessageBody/],
    ['a body over 256 KiB', { MessageBody: 'x'.repeat(256 * 1024 + 1) }, /256 KiB/],
    ['attributes that are not strings', { MessageBody: 'x', MessageAttributes: { a: 1 } }, /strings/],
    [
      'more than 10 attributes',
      {
        MessageBody: 'x',
        MessageAttributes: Object.fromEntries([...Array(11)].map((_, i) => [`a${i}`, 'v'])),
      },
      /at most 10/,
    ],
  ])('answers 400 for %s, queueing nothing', async (_what, body, message) => {
    const { commands, call } = setup();
    const res = await call('POST', '/_local/queues/commands', body);
    expect(res!.status).toBe(400);
    expect((res!.body as { message: string }).message).toMatch(message);
    expect(await commands.depth()).toBe(0);
  });

  it('lists the dead letters, and knows no other endpoint', async () => {
    const { dlq, call } = setup();
    await dlq.send({ body: 'b', attributes: { NimboRejectCode: 'unauthorized' } });
    const res = await call('GET', '/_local/queues/commands-dlq', '');
    expect(res).toMatchObject({
      status: 200,
      body: { messages: [{ body: 'b', attributes: { NimboRejectCode: 'unauthorized' } }] },
    });
    expect(await call('GET', '/_local/queues/other', '')).toBeUndefined();
  });
});
