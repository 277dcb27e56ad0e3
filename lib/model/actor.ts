/** Who is acting: an API token of an org (HTTP or SQS), or Nimbo itself (schedules, polls). */
import type { Role } from './role.js';

export interface TokenActor {
  type: 'token';
  orgId: string;
  tokenId: string;
  name: string;
  role: Role;
}

export interface SystemActor {
  type: 'system';
  orgId: string;
  /** What acted: e.g. "bootstrap", "poller", "schedule:<id>". */
  name: string;
}

export type Actor = TokenActor | SystemActor;

export function actorId(actor: Actor): string {
  return actor.type === 'token' ? actor.tokenId : `system:${actor.name}`;
}

/** An actor as stored on a job or an audit event: enough to say who, not enough to authorize. */
export interface ActorRef {
  type: 'token' | 'system';
  id: string;
  name: string;
}

/** The actor of work done later on someone's behalf (a job): who asked, in which org. */
export interface RecordedActor extends ActorRef {
  orgId: string;
}

export function actorRef(actor: Actor | RecordedActor): ActorRef {
  if ('id' in actor) return { type: actor.type, id: actor.id, name: actor.name };
  return { type: actor.type, id: actorId(actor), name: actor.name };
}
