/** Who is acting: an API token of an org (HTTP or SQS), or Nimbo itself (schedules, polls). */
import type { Role } from '../model/role.js';

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
