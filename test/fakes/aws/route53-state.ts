/**
 * The state of the fake Route 53: hosted zones with their record sets (kept in Route 53's listing order:
 * names by their labels reversed, then type), changes PENDING until the world settles, and errors as the
 * SDK raises them: the modeled exception classes (InvalidChangeBatch with its messages, NoSuchHostedZone,
 * HostedZoneNotEmpty, ...) for Route 53's modeled errors, Route53ServiceException with Code for others.
 */
import * as Route53 from '@aws-sdk/client-route-53';
import {
  InvalidChangeBatch,
  type ResourceRecordSet,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { awsServiceError, errorMetadata } from './faults.js';

type Modeled = new (options: { $metadata: ReturnType<typeof errorMetadata>; message: string }) => Error;

/**
 * An error answer as the SDK raises it: Route 53's modeled errors as their own exception class (the SDK
 * exports one per modeled error, named by its code), any other as Route53ServiceException with Code.
 */
export function r53Error(code: string, message: string, status = 400): Error {
  const exported = (Route53 as unknown as Record<string, unknown>)[code];
  if (typeof exported === 'function' && exported.prototype instanceof Route53ServiceException) {
    return new (exported as Modeled)({ $metadata: errorMetadata(status), message });
  }
  return awsServiceError(Route53ServiceException, code, message, status);
}

/** Route 53 names every refused change of a batch: one message each, all in one InvalidChangeBatch. */
export function invalidChangeBatch(messages: string[]): Error {
  return new InvalidChangeBatch({
    $metadata: errorMetadata(400),
    message: `[${messages.join(', ')}]`,
    ...(messages.length > 1 ? { messages } : {}),
  });
}

export interface FakeZone {
  id: string;
  /** Lowercase, fully qualified. */
  name: string;
  callerReference: string;
  private: boolean;
  comment?: string;
  vpcs: Array<{ VPCRegion: string; VPCId: string }>;
  records: ResourceRecordSet[];
  nameServers: string[];
}

export interface FakeChange {
  id: string;
  status: 'PENDING' | 'INSYNC';
  submittedAt: Date;
  comment?: string;
}

/** Lowercase with the trailing dot; `*` as Route 53 answers it, octal-escaped (\052). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function escapeName(name: string): string {
  return name.replace(/\*/g, '\\052');
}

function unescapeName(name: string): string {
  return name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Route 53's listing order: by name with its labels reversed (com.example.www), then by type. */
export function recordOrder(a: { Name?: string; Type?: string }, b: { Name?: string; Type?: string }) {
  const key = (r: { Name?: string }) =>
    unescapeName(r.Name ?? '')
      .split('.')
      .reverse()
      .join('.');
  return key(a).localeCompare(key(b)) || (a.Type ?? '').localeCompare(b.Type ?? '');
}

export class Route53State {
  readonly zones = new Map<string, FakeZone>();
  readonly changes = new Map<string, FakeChange>();
  now = new Date('2026-12-01T10:00:00Z');
  private counter = 0x5f3a2;

  constructor(
    readonly pageSize: number,
    /** Which VPCs exist, for private zones (the fake Route 53 does not see the fake EC2 by itself). */
    readonly vpcExists: (region: string, vpcId: string) => boolean,
  ) {}

  /** Route 53's ids: a letter and uppercase letters and digits (Z0123456789ABC). */
  id(letter: 'Z' | 'C'): string {
    this.counter++;
    return `${letter}${this.counter.toString(36).toUpperCase().padStart(13, '0')}`;
  }

  /** Takes an id bare or prefixed (/hostedzone/Z...), as Route 53 does. */
  zone(id: string | undefined): FakeZone {
    const bare = (id ?? '').replace(/^\/hostedzone\//, '');
    const zone = this.zones.get(bare);
    if (!zone) throw r53Error('NoSuchHostedZone', `No hosted zone found with ID: ${bare}`, 404);
    return zone;
  }

  change(comment?: string): FakeChange {
    const change: FakeChange = {
      id: this.id('C'),
      status: 'PENDING',
      submittedAt: this.now,
      ...(comment ? { comment } : {}),
    };
    this.changes.set(change.id, change);
    return change;
  }

  settle(): void {
    for (const c of this.changes.values()) c.status = 'INSYNC';
  }
}

export function changeInfo(c: FakeChange) {
  return {
    Id: `/change/${c.id}`,
    Status: c.status,
    SubmittedAt: c.submittedAt,
    ...(c.comment ? { Comment: c.comment } : {}),
  };
}
