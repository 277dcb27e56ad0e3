/**
 * The server's cache of logical sessions, as `$listLocalSessions` shows it: every `lsid` a command came with
 * (drivers send their implicit sessions' too), with its last use. Nothing expires them but a restart; there
 * are no users, so every session belongs to the unauthenticated user (uid: the SHA-256 of the empty name).
 */
import { createHash } from 'node:crypto';
import { Binary, type Document } from 'bson';

const NO_USER_UID = new Binary(createHash('sha256').update('').digest(), 0);

export class LocalSessions {
  private readonly sessions = new Map<string, { id: Binary; lastUse: Date }>();

  /** Notes a command's lsid (ignored unless it is `{id: UUID}`). */
  touch(lsid: unknown, now = new Date()): void {
    const id = (lsid as { id?: unknown } | undefined)?.id;
    if (!(id instanceof Binary) || id.sub_type !== Binary.SUBTYPE_UUID) return;
    const key = id.toString('hex');
    const entry = this.sessions.get(key);
    if (entry) entry.lastUse = now;
    else this.sessions.set(key, { id, lastUse: now });
  }

  /** The `$listLocalSessions` documents, oldest first. */
  list(): Document[] {
    return [...this.sessions.values()].map((s) => ({
      _id: { id: s.id, uid: NO_USER_UID },
      lastUse: s.lastUse,
    }));
  }
}
