/**
 * What the AWS fakes share: errors built as the SDK builds them from an error answer, injected faults
 * (a rejected signature, throttled tries) and opaque paging tokens. The fakes sit behind
 * aws-sdk-client-mock, so no HTTP is involved: what the driver sees is exactly what the SDK would hand it
 * after deserializing AWS's answer.
 */
type ExceptionClass = new (options: {
  name: string;
  $fault: 'client' | 'server';
  $metadata: { httpStatusCode: number; requestId: string };
  message: string;
}) => Error;

let requestCounter = 0;

/** The $metadata of an error answer: its HTTP status and a request id of its own. */
export function errorMetadata(status: number) {
  requestCounter++;
  return { httpStatusCode: status, requestId: `req-${requestCounter}` };
}

/**
 * An error answer as the SDK raises it: the service's exception class, the AWS code as `name`, and (as
 * the SDK's decorateServiceException copies the parsed body onto it) `Code` and `Message` as well.
 */
export function awsServiceError(
  Exception: ExceptionClass,
  code: string,
  message: string,
  status = 400,
): Error {
  const err = new Exception({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: errorMetadata(status),
    message,
  });
  return Object.assign(err, { Code: code, Message: message });
}

/** The faults a test injects: the next call's signature is refused, the next N tries are throttled. */
export class Faults {
  private authFailures = 0;
  private throttles = 0;
  /** Every call the fake answered or refused, by operation: tests read it to see what the driver did. */
  readonly calls: string[] = [];

  failAuthentication(times = 1): void {
    this.authFailures += times;
  }

  throttle(times: number): void {
    this.throttles = times;
  }

  /** Throws the injected fault due for this call, if any (auth first: a bad signature is never throttled). */
  check(operation: string, fail: { auth: () => Error; throttled: () => Error }): void {
    this.calls.push(operation);
    if (this.authFailures > 0) {
      this.authFailures--;
      throw fail.auth();
    }
    if (this.throttles > 0) {
      this.throttles--;
      throw fail.throttled();
    }
  }
}

/**
 * One page of a listing and the token of the next. Tokens are opaque strings the fake remembers (as AWS's
 * are), so a driver that invents or reuses a token from another listing is refused.
 */
export class Pager {
  private readonly tokens = new Map<string, { listing: string; offset: number }>();
  private next = 0;

  constructor(readonly pageSize: number) {}

  page<T>(
    listing: string,
    items: T[],
    token: string | undefined,
    maxResults: number | undefined,
    invalid: (message: string) => Error,
  ): { items: T[]; next: string | undefined } {
    let offset = 0;
    if (token !== undefined && token !== '') {
      const at = this.tokens.get(token);
      if (!at || at.listing !== listing) throw invalid(`The token '${token}' is invalid.`);
      offset = at.offset;
    }
    const size = Math.min(maxResults ?? Number.POSITIVE_INFINITY, this.pageSize);
    const end = offset + size;
    if (end >= items.length) return { items: items.slice(offset), next: undefined };
    this.next++;
    const nextToken = Buffer.from(`${listing}:${this.next}`).toString('base64url');
    this.tokens.set(nextToken, { listing, offset: end });
    return { items: items.slice(offset, end), next: nextToken };
  }
}

/** A deterministic id in AWS's shape: prefix and 17 hex digits (i-0123456789abcdef0). */
export function awsId(prefix: string, n: number): string {
  return `${prefix}-${n.toString(16).padStart(17, '0')}`;
}

type AnyCommand = new (input: any) => any;
type ClientGetter = () => any;

/** The part of aws-sdk-client-mock's stub a fake uses. */
interface ClientStub {
  onAnyCommand(): { callsFake(fn: (input: unknown) => unknown): unknown };
  on(command: AnyCommand): { callsFake(fn: (input: unknown, getClient: ClientGetter) => unknown): unknown };
  restore(): void;
}

/**
 * A fake AWS service behind aws-sdk-client-mock: each command of its table is answered by its handler
 * after the injected faults, each answer a copy (a driver that mutates an answer never reaches the
 * fake's state), and a command the fake does not model fails the test loudly instead of answering
 * something made up.
 */
export abstract class SdkFake {
  readonly faults = new Faults();

  constructor(
    private readonly stub: ClientStub,
    service: string,
    private readonly faultErrors: { auth: () => Error; throttled: () => Error },
  ) {
    stub.onAnyCommand().callsFake(async (input: unknown) => {
      throw new Error(`the fake ${service} does not model this command (input ${JSON.stringify(input)})`);
    });
  }

  protected serve(
    commands: Array<[AnyCommand, (input: unknown, getClient: ClientGetter) => Promise<unknown>]>,
  ) {
    for (const [Command, answer] of commands) {
      const operation = Command.name.replace(/Command$/, '');
      this.stub.on(Command).callsFake(async (input: unknown, getClient: ClientGetter) => {
        this.faults.check(operation, this.faultErrors);
        return structuredClone(await answer(input, getClient));
      });
    }
  }

  failAuthentication(): void {
    this.faults.failAuthentication();
  }

  throttle(times: number): void {
    this.faults.throttle(times);
  }

  close(): void {
    this.stub.restore();
  }
}
