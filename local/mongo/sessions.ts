/**
 * The server's cache of logical sessions, as `$listLocalSessions` shows it: every `lsid` a command came with
 * (drivers send their implicit sessions' too), with its last use. A session unused for 30 minutes is
 * forgotten, as mongod's localLogicalSessionTimeoutMinutes does, so a long-running server's cache stays
 * bounded; there are no users, so every session belongs to the unauthenticated user (uid: the SHA-256 of
 * the empty name).
 */
import { createHash } from 'node:crypto';
import { Binary, type Document } from 'bson';

const NO_USER_UID = new Binary(createHash('sha256').update('').digest(), 0);

/** mongod's default localLogicalSessionTimeoutMinutes. */
const SESSION_TIMEOUT_MS = 30 * 60_000;
/** Expired sessions are swept every this many touches (and before each listing). */
const SWEEP_EVERY = 1024;

export class LocalSessions {
  private readonly sessions = new Map<string, { id: Binary; lastUse: Date }>();
  private touches = 0;

  /** Notes a command's lsid (ignored unless it is `{id: UUID}`). */
  touch(lsid: unknown, now = new Date()): void {
    const id = (lsid as { id?: unknown } | undefined)?.id;
    if (!(id instanceof Binary) || id.sub_type !== Binary.SUBTYPE_UUID) return;
    const key = id.toString('hex');
    const entry = this.sessions.get(key);
    if (entry) entry.lastUse = now;
    else this.sessions.set(key, { id, lastUse: now });
    if (++this.touches % SWEEP_EVERY === 0) this.sweep(now);
  }

  /** Forgets the sessions unused for SESSION_TIMEOUT_MS. */
  sweep(now = new Date()): void {
    const oldest = now.getTime() - SESSION_TIMEOUT_MS;
    for (const [key, s] of this.sessions) if (s.lastUse.getTime() < oldest) this.sessions.delete(key);
  }

  /** The `$listLocalSessions` documents, oldest first. */
  list(now = new Date()): Document[] {
    this.sweep(now);
    return [...this.sessions.values()].map((s) => ({
      _id: { id: s.id, uid: NO_USER_UID },
      lastUse: s.lastUse,
    }));
  }
}
