/**
 * Durability for a dbpath: an append-only write-ahead log of logical operations plus a periodic snapshot.
 *
 * Files in dbpath:
 *   nimbo.lock             pid and start time of the owning process (created atomically with link(2))
 *   snapshot.nsnap         full state; its header says which log generation continues it
 *   wal-<gen>.log          records appended since that snapshot
 * Record framing (log and snapshot): u32le payload length, u32le crc32(payload), BSON payload.
 *
 * Crash safety: flush() appends and fsyncs before the server acknowledges. Compaction writes the new
 * snapshot (gen N+1) to a temp file and fsyncs it, creates wal-(N+1) and fsyncs the directory, renames the
 * snapshot over the old one, switches every later write to wal-(N+1) at once, and deletes wal-N only after
 * the directory fsync that makes the rename durable. A crash (or an error) at any step leaves either the
 * old snapshot + wal-N (+ an empty or newer wal-(N+1), replayed after it) or the new snapshot + wal-(N+1),
 * so nothing acknowledged is lost: no write ever lands in a log that a restart would discard.
 * Each flush appends its records plus a commit record, then fdatasyncs. On open, damage with no commit
 * record after it belongs to the batch in flight at the crash (never acknowledged): it is truncated away.
 * Damage followed by a commit record hit acknowledged data: the open fails loudly instead of dropping it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { type DeserializeOptions, type Document, deserialize, serialize } from 'bson';
import type { Engine, LogSink } from './engine.js';

const LOCK = 'nimbo.lock';
const SNAP = 'snapshot.nsnap';
const SNAP_TMP = 'snapshot.nsnap.tmp';
const WAL_RE = /^wal-(\d+)\.log$/;
const HEADER = 8;
/** Op of the marker record that closes every flushed batch (skipped on replay). */
const COMMIT = 'c';
/** Compact on close() only when the log is big in absolute terms or relative to the snapshot. */
const CLOSE_COMPACT_BYTES = 1024 * 1024;

const walName = (gen: number) => `wal-${String(gen).padStart(10, '0')}.log`;

export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
}

function frame(rec: Document): Buffer {
  const payload = serialize(rec, { checkKeys: false, ignoreUndefined: false });
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, HEADER);
  return out;
}

interface ReadResult {
  records: Document[];
  /** Offset where valid data ends. */
  validEnd: number;
  torn: boolean;
}

/** Parses framed records. A bad record is a torn tail only when nothing follows it. */
export function readFrames(buf: Buffer, file: string, opts: DeserializeOptions = {}): ReadResult {
  const records: Document[] = [];
  let off = 0;
  while (off < buf.length) {
    const rec = recordAt(buf, off, opts);
    if (rec === undefined) {
      // Every flush ends with a commit record, and is acknowledged only once all of it is on disk. So a
      // commit record anywhere after a bad record means acknowledged data is damaged: fail loudly.
      // Otherwise the damage is confined to the batch in flight at the crash: a torn tail.
      for (let p = off + 1; p + HEADER < buf.length; p++) {
        if (recordAt(buf, p, opts)?.doc.op === COMMIT) {
          throw new StorageCorruptionError(
            `storage: corrupt record at offset ${off} of ${file}, before acknowledged data at offset ${p}`,
          );
        }
      }
      return { records, validEnd: off, torn: true };
    }
    records.push(rec.doc);
    off = rec.end;
  }
  return { records, validEnd: off, torn: false };
}

/** The record framed at `off`, if complete and intact. */
function recordAt(
  buf: Buffer,
  off: number,
  opts: DeserializeOptions = {},
): { doc: Document; end: number } | undefined {
  if (buf.length - off < HEADER) return undefined;
  const len = buf.readUInt32LE(off);
  const end = off + HEADER + len;
  if (len < 5 || end > buf.length) return undefined;
  // A BSON document starts with its own length and ends with NUL: a cheap filter before the CRC.
  if (buf.readUInt32LE(off + HEADER) !== len || buf[end - 1] !== 0) return undefined;
  const payload = buf.subarray(off + HEADER, end);
  if (crc32(payload) !== buf.readUInt32LE(off + 4)) return undefined;
  try {
    return { doc: deserialize(payload, opts), end };
  } catch {
    return undefined;
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/**
 * A process's identity: its pid plus, where /proc exists, its start time, so a pid reused by another
 * process after a kill -9 (common in containers) does not pass for the lock's owner. Zombies are dead.
 */
function processStart(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function lockOwner(): string {
  const me = processStart(process.pid);
  return me ? `${process.pid} ${me.start}` : String(process.pid);
}

function isAlive(pid: number, start: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const proc = processStart(pid);
  if (!proc) return true; // no /proc: the pid is all we can check
  if (proc.state === 'Z') return false;
  return start === undefined || proc.start === start;
}

/** dbpaths locked by this process: a lock naming our own pid but absent here is stale (pid reuse, e.g. pid 1 in containers). */
const heldHere = new Set<string>();

function acquireLock(dir: string): void {
  const lock = path.join(dir, LOCK);
  const tmp = path.join(dir, `${LOCK}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, lockOwner());
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, lock); // atomic: the lock file never exists without its pid
        heldHere.add(dir);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let pid = Number.NaN;
      let start: string | undefined;
      try {
        const [p, s] = fs.readFileSync(lock, 'utf8').trim().split(/\s+/);
        pid = Number(p);
        start = s;
      } catch {
        continue; // released meanwhile
      }
      const ours = pid === process.pid;
      if (Number.isInteger(pid) && pid > 0 && (ours ? heldHere.has(dir) : isAlive(pid, start))) {
        throw new Error(
          `storage: dbpath ${dir} is in use by process ${pid}${ours ? ' (this process)' : ''} (${lock}). ` +
            'Stop that process or use another dbpath; if no such process uses it, delete the lock file.',
        );
      }
      fs.rmSync(lock, { force: true }); // stale: its process is gone
    }
    throw new Error(`storage: could not take the lock ${lock}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

class Persistence implements LogSink {
  private fd = -1;
  private gen = 1;
  private logBytes = 0;
  private snapshotBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  private nextCompactAt: number;
  /** Set when a flush failed: nothing more is written. */
  private failed: Error | undefined;
  /** The last compaction failure, if any (kept for diagnostics). */
  lastCompactError: Error | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly dir: string,
    private readonly compactLogBytes: number,
    private readonly bson: DeserializeOptions,
  ) {
    this.nextCompactAt = compactLogBytes;
  }

  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    acquireLock(this.dir);
    try {
      this.load();
    } catch (e) {
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.releaseLock();
      throw e;
    }
  }

  private load(): void {
    fs.rmSync(path.join(this.dir, SNAP_TMP), { force: true });
    const snapPath = path.join(this.dir, SNAP);
    let hasSnapshot = false;
    if (fs.existsSync(snapPath)) {
      const buf = fs.readFileSync(snapPath);
      const { records, torn } = readFrames(buf, snapPath, this.bson);
      const head = records[0];
      const tail = records[records.length - 1];
      if (torn || head?.op !== 'snap' || tail?.op !== 'end') {
        throw new StorageCorruptionError(`storage: snapshot ${snapPath} is incomplete or corrupt`);
      }
      if (Number(head.v) !== 1)
        throw new Error(`storage: snapshot ${snapPath} has unknown format version ${head.v}`);
      for (let i = 1; i < records.length - 1; i++) this.engine.apply(records[i]!);
      this.gen = Number(head.gen);
      this.snapshotBytes = buf.length;
      hasSnapshot = true;
    }
    const gens = fs
      .readdirSync(this.dir)
      .map((f) => WAL_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const live = gens.filter((g) => g >= this.gen);
    for (const g of gens) if (g < this.gen) fs.rmSync(path.join(this.dir, walName(g)), { force: true });
    if (!hasSnapshot && live.length > 0 && live[0] !== 1) {
      throw new StorageCorruptionError(
        `storage: ${this.dir} has logs from generation ${live[0]} but no snapshot`,
      );
    }
    for (const [i, g] of live.entries()) {
      const file = path.join(this.dir, walName(g));
      const buf = fs.readFileSync(file);
      const { records, validEnd, torn } = readFrames(buf, file, this.bson);
      if (torn && i !== live.length - 1) {
        throw new StorageCorruptionError(`storage: ${file} ends in a torn record but is not the newest log`);
      }
      records.forEach((rec, n) => {
        if (rec.op === COMMIT) return;
        try {
          this.engine.apply(rec);
        } catch (e) {
          throw new StorageCorruptionError(`storage: replaying record ${n} of ${file} failed: ${String(e)}`);
        }
      });
      if (torn) {
        fs.truncateSync(file, validEnd);
        const fd = fs.openSync(file, 'r+');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      }
      this.gen = g;
      this.logBytes = validEnd;
    }
    const current = path.join(this.dir, walName(this.gen));
    const created = !fs.existsSync(current);
    this.fd = fs.openSync(current, 'a');
    if (created) fsyncDir(this.dir);
  }

  append(rec: Document): void {
    if (this.closed) throw new Error('storage: write after close()');
    const f = frame(rec);
    this.pending.push(f);
    this.pendingBytes += f.length;
  }

  flush(): void {
    if (this.failed) {
      throw new Error(
        `the write-ahead log failed earlier (${this.failed.message}): restart to recover from disk`,
      );
    }
    if (this.pending.length === 0 || this.closed) return;
    this.append({ op: COMMIT });
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    try {
      writeAll(this.fd, buf);
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      // Cut off a partial append so later records are not written after garbage (mid-log corruption).
      try {
        fs.ftruncateSync(this.fd, this.logBytes);
      } catch {}
      // Memory now holds writes the log does not: never write them later (their clients were told they
      // failed), and refuse every further flush; the server stops and a restart recovers from the log.
      this.pending = [];
      this.pendingBytes = 0;
      this.failed = e as Error;
      throw e;
    }
    this.logBytes += buf.length;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.logBytes > this.nextCompactAt) this.tryCompact();
  }

  /**
   * The flushed writes are already durable, so a failed compaction (disk full...) must not fail the
   * command: keep the log, drop the temp file, and retry once the log has grown by another threshold.
   */
  private tryCompact(): void {
    try {
      this.compact();
    } catch (e) {
      try {
        fs.rmSync(path.join(this.dir, SNAP_TMP), { force: true });
      } catch {}
      this.nextCompactAt = this.logBytes + this.compactLogBytes;
      this.lastCompactError = e as Error;
    }
  }

  /** Snapshot everything, then switch to a fresh log generation. See the file comment for the order. */
  compact(): void {
    this.flush();
    const next = this.gen + 1;
    const tmp = path.join(this.dir, SNAP_TMP);
    const fd = fs.openSync(tmp, 'w');
    let size = 0;
    try {
      let chunk: Buffer[] = [];
      let chunkBytes = 0;
      const put = (b: Buffer) => {
        chunk.push(b);
        chunkBytes += b.length;
        if (chunkBytes >= 1 << 20) {
          writeAll(fd, Buffer.concat(chunk, chunkBytes));
          size += chunkBytes;
          chunk = [];
          chunkBytes = 0;
        }
      };
      put(frame({ op: 'snap', gen: next, v: 1, at: new Date() }));
      for (const rec of this.engine.dump()) put(frame(rec));
      put(frame({ op: 'end', gen: next }));
      writeAll(fd, Buffer.concat(chunk, chunkBytes));
      size += chunkBytes;
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // The next log exists (and is durable) before the snapshot that makes the current one obsolete: once
    // the rename lands, a restart deletes the current log, so no write may go there any more.
    const newFd = fs.openSync(path.join(this.dir, walName(next)), 'a');
    try {
      fsyncDir(this.dir);
      fs.renameSync(tmp, path.join(this.dir, SNAP));
    } catch (e) {
      fs.closeSync(newFd);
      throw e;
    }
    const oldFd = this.fd;
    const oldGen = this.gen;
    this.fd = newFd;
    this.gen = next;
    this.logBytes = 0;
    this.snapshotBytes = size;
    this.nextCompactAt = this.compactLogBytes;
    fs.closeSync(oldFd);
    // Until the rename is durable the old log must stay: after a crash the old snapshot still needs it.
    fsyncDir(this.dir);
    fs.rmSync(path.join(this.dir, walName(oldGen)), { force: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.failed) return;
      this.flush();
      if (
        this.logBytes > 0 &&
        (this.logBytes >= CLOSE_COMPACT_BYTES || this.logBytes * 4 >= this.snapshotBytes)
      ) {
        this.tryCompact();
      }
    } finally {
      fs.closeSync(this.fd);
      this.closed = true;
      this.releaseLock();
    }
  }

  private releaseLock(): void {
    const lock = path.join(this.dir, LOCK);
    heldHere.delete(this.dir);
    try {
      if (fs.readFileSync(lock, 'utf8').trim() === lockOwner()) fs.rmSync(lock, { force: true });
    } catch {}
  }
}

export function openPersistence(
  engine: Engine,
  dbpath: string,
  compactLogBytes: number,
  bson: DeserializeOptions = {},
): LogSink {
  const p = new Persistence(engine, path.resolve(dbpath), compactLogBytes, bson);
  p.open();
  return p;
}
