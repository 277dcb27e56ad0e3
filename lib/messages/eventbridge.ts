/**
 * The stack's EventBridge bus (EVENT_BUS_NAME). The SDK is loaded on the first put, so a cold start that
 * publishes nothing (the api, the tick, most worker batches) does not pay for it: it lands in the bundle's
 * chunks/ (infra/bundling.ts). Failures become Nimbo's errors: throttling, timeouts and server faults are
 * transient (the job retries), a refusal for permissions is not.
 */
import type { EventBridgeClient, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { mapAwsError } from '../providers/aws/errors.js';
import { ProviderAuthError } from '../providers/errors.js';
import {
  type BusEntry,
  type BusEntryResult,
  type EventBus,
  EventBusRefusedError,
  EventBusUnavailableError,
} from './bus.js';

type Sdk = typeof import('@aws-sdk/client-eventbridge');

/** PutEvents answers in milliseconds: a stuck connection must fail the call, not the whole invocation. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true };

/** Node's words for "the endpoint could not be reached": the next attempt may get through. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

function unavailable(err: unknown): boolean {
  const e = err as { $fault?: unknown; code?: unknown };
  return e?.$fault === 'server' || (typeof e?.code === 'string' && NETWORK_CODES.has(e.code));
}

export class EventBridgeBus implements EventBus {
  private client: Promise<{ client: EventBridgeClient; sdk: Sdk }> | undefined;

  constructor(readonly name: string) {}

  private connect() {
    // The SDK's own retries (3 tries, with backoff, for throttling and 5xx) stay: a put is idempotent
    // enough for them (EventBridge is at-least-once anyway), and they spare a job retry for a blip.
    this.client ??= import('@aws-sdk/client-eventbridge').then(
      (sdk) => ({ sdk, client: new sdk.EventBridgeClient({ requestHandler: REQUEST_HANDLER }) }),
      (err: unknown) => {
        this.client = undefined; // the next put tries to load it again
        throw err;
      },
    );
    return this.client;
  }

  async put(entries: BusEntry[]): Promise<BusEntryResult[]> {
    if (entries.length === 0) return [];
    if (entries.length > 10) throw new RangeError('PutEvents takes at most 10 entries');
    const { client, sdk } = await this.connect();
    let out: PutEventsCommandOutput;
    try {
      out = await client.send(
        new sdk.PutEventsCommand({
          Entries: entries.map((e) => ({
            EventBusName: this.name,
            Source: e.source,
            DetailType: e.detailType,
            Detail: e.detail,
            Time: e.time,
            Resources: e.resources,
          })),
        }),
      );
    } catch (err) {
      const mapped = mapAwsError(err, `EventBridge PutEvents to the bus ${this.name}`);
      if (mapped instanceof ProviderAuthError) {
        throw new EventBusRefusedError(`${mapped.message} (the function needs events:PutEvents on it)`, {
          cause: err,
        });
      }
      if (unavailable(err)) throw new EventBusUnavailableError(mapped.message, { cause: err });
      // Throttled or timed out: a ProviderThrottledError or ProviderTimeoutError, both transient.
      throw mapped;
    }
    const results = out.Entries ?? [];
    return entries.map((_, i): BusEntryResult => {
      const r = results[i];
      if (r?.EventId && !r.ErrorCode) return { ok: true };
      // An answer without an entry for it (never seen) counts as not taken: it is sent again.
      return {
        ok: false,
        errorCode: r?.ErrorCode ?? 'InternalFailure',
        errorMessage: r?.ErrorMessage ?? 'EventBridge did not say whether it took the event',
      };
    });
  }
}
