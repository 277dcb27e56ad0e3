/**
 * The local runtime's own endpoints (never deployed), for what AWS offers outside the API: sending a
 * message to the commands queue as SQS's SendMessage would, and reading the commands DLQ.
 *
 *   POST /_local/queues/commands   {"MessageBody": "...", "MessageAttributes": {"Authorization": "Bearer ..."}}
 *   GET  /_local/queues/commands-dlq
 */
import type { LocalEndpoints } from './api-gateway.js';
import type { LocalDeadLetterQueue } from './dead-letters.js';
import type { LocalSqsQueue } from './sqs-queue.js';

const MAX_MESSAGE_BYTES = 256 * 1024;

async function sendMessage(queue: LocalSqsQueue, body: Buffer): Promise<{ status: number; body: unknown }> {
  let request: { MessageBody?: unknown; MessageAttributes?: unknown };
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, body: { message: 'The request is not JSON' } };
  }
  const text = request?.MessageBody;
  if (typeof text !== 'string' || text.length === 0) {
    return { status: 400, body: { message: 'MessageBody must be a non-empty string' } };
  }
  // SQS's own limit, so what works here also fits the deployed queue.
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
    return { status: 400, body: { message: 'MessageBody is larger than 256 KiB' } };
  }
  const attrs = request.MessageAttributes ?? {};
  if (
    typeof attrs !== 'object' ||
    Array.isArray(attrs) ||
    !Object.values(attrs as object).every((v) => typeof v === 'string')
  ) {
    return { status: 400, body: { message: 'MessageAttributes must map names to strings' } };
  }
  if (Object.keys(attrs).length > 10) {
    return { status: 400, body: { message: 'SQS allows at most 10 message attributes' } };
  }
  const id = await queue.sendMessage({ body: text, attributes: attrs as Record<string, string> });
  return { status: 200, body: { MessageId: id } };
}

export function localQueueEndpoints(
  commands: LocalSqsQueue,
  deadLetters: LocalDeadLetterQueue,
): LocalEndpoints {
  return async (method, path, body) => {
    if (method === 'POST' && path === '/_local/queues/commands') return sendMessage(commands, body);
    if (method === 'GET' && path === '/_local/queues/commands-dlq') {
      return { status: 200, body: { messages: await deadLetters.list() } };
    }
    return undefined;
  };
}
