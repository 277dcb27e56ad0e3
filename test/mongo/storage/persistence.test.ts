import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Double, Int32, Long, ObjectId } from 'bson';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStorage, type StorageEngine } from '../../../local/mongo/storage/index.js';

const dirs: string[] = [];
const open: StorageEngine[] = [];

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbo-storage-'));
  dirs.push(d);
  return d;
}

async function openAt(dbpath: string, compactLogBytes?: number): Promise<StorageEngine> {
  const e = await openStorage({ dbpath, compactLogBytes });
  open.push(e);
  return e;
}

async function closeAll(): Promise<void> {
  for (const e of open.splice(0)) await e.close();
}

afterEach(async () => {
  await closeAll();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const walFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('wal-'));

describe('persistence', () => {
  it('replays every flushed operation after reopening', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'users');
    c.createIndex({ name: 'email_1', key: { email: 1 }, unique: true });
    const oid = new ObjectId();
    c.insert({ _id: oid, email: 'a@x', at: new Date(5), tags: ['x', 'y'], n: 1.5 });
    c.insert({ _id: 2, email: 'b@x' });
    c.insert({ _id: 3, email: 'c@x' });
    c.replace({ _id: 2, email: 'b2@x' });
    c.remove(3);
    e.createCollection('app', 'gone');
    e.dropCollection('app', 'gone');
    e.ensureCollection('tmp', 'x').insert({ _id: 1 });
    e.dropDatabase('tmp');
    e.flush();
    // Simulate a crash: no close(), just drop the lock as a dead process would leave it.
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), '999999999');
    open.pop();

    const again = await openAt(dir);
    expect(again.listDatabases()).toEqual(['app']);
    const u = again.getCollection('app', 'users')!;
    expect([...u.all()]).toEqual([
      { _id: oid, email: 'a@x', at: new Date(5), tags: ['x', 'y'], n: 1.5 },
      { _id: 2, email: 'b2@x' },
    ]);
    expect(u.listIndexes().map((i) => i.name)).toEqual(['_id_', 'email_1']);
    expect(() => u.insert({ _id: 9, email: 'a@x' })).toThrow(/E11000/);
    expect(again.listCollections('app').map((c) => c.name)).toEqual(['users']);
  });

  it('keeps collection uuid and options, renames and drops across reopen and compaction', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    e.createCollection('app', 'a', { comment: 'x' }).insert({ _id: 1 });
    e.ensureCollection('app', 'b').insert({ _id: 2 });
    const uuid = e.listCollections('app').find((c) => c.name === 'a')!.uuid;
    e.renameCollection('app', 'a', 'app', 'b', true);
    e.renameCollection('app', 'b', 'other', 'c', false);
    await e.close();
    open.pop();
    const again = await openAt(dir);
    expect(again.listDatabases()).toEqual(['other']);
    const [info] = again.listCollections('other');
    expect(info).toEqual({ name: 'c', options: { comment: 'x' }, uuid });
    expect([...again.getCollection('other', 'c')!.all()]).toEqual([{ _id: 1 }]);
  });

  it('ignores and truncates a torn record at the tail of the log', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'c');
    c.insert({ _id: 1 });
    e.flush();
    c.insert({ _id: 2, big: 'x'.repeat(1000) });
    e.flush();
    open.pop();
    fs.rmSync(path.join(dir, 'nimbo.lock'));
    const wal = path.join(dir, walFiles(dir)[0]!);
    const full = fs.statSync(wal).size;
    fs.truncateSync(wal, full - 500); // the second insert was only half written

    const again = await openAt(dir);
    expect([...again.getCollection('app', 'c')!.all()]).toEqual([{ _id: 1 }]);
    expect(fs.statSync(wal).size).toBeLessThan(full - 500);
    again.getCollection('app', 'c')!.insert({ _id: 3 });
    again.flush();
    await closeAll();
    const third = await openAt(dir);
    expect([...third.getCollection('app', 'c')!.all()].map((d) => d._id)).toEqual([1, 3]);
  });

  it('treats a zero-filled tail (file grew, data never landed) as torn', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    e.ensureCollection('app', 'c').insert({ _id: 1 });
    e.flush();
    open.pop();
    fs.rmSync(path.join(dir, 'nimbo.lock'));
    fs.appendFileSync(path.join(dir, walFiles(dir)[0]!), Buffer.alloc(4096));
    const again = await openAt(dir);
    expect([...again.getCollection('app', 'c')!.all()]).toEqual([{ _id: 1 }]);
  });

  it('refuses to open a log that is corrupt in the middle', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'c');
    for (let i = 0; i < 10; i++) c.insert({ _id: i, s: 'payload'.repeat(10) });
    e.flush();
    open.pop();
    fs.rmSync(path.join(dir, 'nimbo.lock'));
    const wal = path.join(dir, walFiles(dir)[0]!);
    const buf = fs.readFileSync(wal);
    buf[Math.floor(buf.length / 2)]! ^= 0xff;
    fs.writeFileSync(wal, buf);
    await expect(openStorage({ dbpath: dir })).rejects.toThrow(/corrupt record/);
    expect(fs.existsSync(path.join(dir, 'nimbo.lock'))).toBe(false);
  });

  it('detects a damaged length field before acknowledged data, and truncates garbage after the last flush', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'c');
    c.insert({ _id: 1 });
    e.flush();
    const firstFlushEnd = fs.statSync(path.join(dir, walFiles(dir)[0]!)).size;
    c.insert({ _id: 2 });
    c.insert({ _id: 3 });
    e.flush();
    open.pop();
    fs.rmSync(path.join(dir, 'nimbo.lock'));
    const wal = path.join(dir, walFiles(dir)[0]!);
    const good = fs.readFileSync(wal);

    // Garbage after the last commit: an unacknowledged, torn batch.
    fs.writeFileSync(wal, Buffer.concat([good, Buffer.from('\x07\x00\x00\x00garbage-bytes-here', 'latin1')]));
    const a = await openAt(dir);
    expect([...a.getCollection('app', 'c')!.all()].map((d) => d._id)).toEqual([1, 2, 3]);
    expect(fs.statSync(wal).size).toBe(good.length);
    await closeAll();
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));

    // A length field smashed inside the second (acknowledged) batch.
    const bad = Buffer.from(good);
    bad.writeUInt32LE(0x7fffffff, firstFlushEnd);
    fs.writeFileSync(path.join(dir, 'wal-0000000001.log'), bad);
    await expect(openStorage({ dbpath: dir })).rejects.toThrow(/before acknowledged data/);
  });

  it('compacts into a snapshot once the log passes compactLogBytes, losing nothing', async () => {
    const dir = tmpDir();
    const e = await openAt(dir, 20_000);
    const c = e.ensureCollection('app', 'c');
    c.createIndex({ name: 'k_1', key: { k: 1 }, unique: true });
    for (let i = 0; i < 2000; i++) {
      c.insert({ _id: i, k: `k${i}`, pad: 'x'.repeat(50) });
      if (i % 3 === 0) c.remove(i);
      if (i % 10 === 0) e.flush();
    }
    e.flush();
    expect(fs.existsSync(path.join(dir, 'snapshot.nsnap'))).toBe(true);
    expect(walFiles(dir)).toHaveLength(1);
    expect(fs.statSync(path.join(dir, walFiles(dir)[0]!)).size).toBeLessThan(20_000 + 200);
    const expected = [...c.all()];
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), '999999999'); // crash without close
    open.pop();
    const again = await openAt(dir);
    const c2 = again.getCollection('app', 'c')!;
    expect([...c2.all()]).toEqual(expected);
    expect(c2.count()).toBe(2000 - 667);
    expect(() => c2.insert({ _id: 'dup', k: 'k1' })).toThrow(/E11000/);
  });

  it('round-trips large documents through the log and the snapshot', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'blobs');
    for (let i = 0; i < 3; i++) c.insert({ _id: i, s: String(i).repeat(6 * 1024 * 1024) });
    e.flush();
    await e.close();
    open.pop();
    const again = await openAt(dir);
    const c2 = again.getCollection('app', 'blobs')!;
    expect(c2.count()).toBe(3);
    expect((c2.findById(2)!.s as string).length).toBe(6 * 1024 * 1024);
  });

  it('keeps acknowledging writes when a compaction fails, and compacts later', async () => {
    const dir = tmpDir();
    const e = await openAt(dir, 5_000);
    const c = e.ensureCollection('app', 'c');
    fs.mkdirSync(path.join(dir, 'snapshot.nsnap.tmp')); // makes the snapshot temp file unwritable
    for (let i = 0; i < 100; i++) c.insert({ _id: i, pad: 'z'.repeat(100) });
    expect(() => e.flush()).not.toThrow();
    expect(fs.existsSync(path.join(dir, 'snapshot.nsnap'))).toBe(false);
    fs.rmdirSync(path.join(dir, 'snapshot.nsnap.tmp'));
    for (let i = 100; i < 200; i++) c.insert({ _id: i, pad: 'z'.repeat(100) });
    e.flush();
    expect(fs.existsSync(path.join(dir, 'snapshot.nsnap'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), '999999999');
    open.pop();
    expect((await openAt(dir)).getCollection('app', 'c')!.count()).toBe(200);
  });

  it.each([
    ['creating the next log', 'openSync', (p: unknown) => String(p).endsWith('.log')],
    ['renaming the snapshot into place', 'renameSync', () => true],
  ] as const)('loses no acknowledged write when a compaction fails at %s', async (_step, fn, matches) => {
    const dir = tmpDir();
    const e = await openAt(dir, 4_096);
    const c = e.ensureCollection('app', 'c');
    c.insert({ _id: 'first', pad: 'y'.repeat(200) });
    e.flush();
    const real = fs[fn] as (...args: unknown[]) => unknown;
    let failed = false;
    const spy = vi.spyOn(fs, fn).mockImplementation(((...args: unknown[]) => {
      if (!failed && matches(args[0])) {
        failed = true;
        throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
      }
      return real(...args);
    }) as never);
    let written = 1;
    try {
      // Until the compaction has failed, then a few more writes: fewer than the next compaction needs.
      for (let i = 0; i < 100 && !failed; i++, written++) {
        c.insert({ _id: i, pad: 'y'.repeat(200) });
        e.flush();
      }
    } finally {
      spy.mockRestore();
    }
    expect(failed).toBe(true);
    for (let i = 0; i < 3; i++, written++) {
      c.insert({ _id: `after-${i}` });
      e.flush();
    }
    // A kill -9 now: no close, the lock left behind by a dead process.
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), '999999999');
    open.pop();
    expect((await openAt(dir)).getCollection('app', 'c')!.count()).toBe(written);
  });

  it('recovers from a crash in the middle of a compaction at any step', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'c');
    for (let i = 0; i < 50; i++) c.insert({ _id: i });
    e.flush();
    const oldLog = fs.readFileSync(path.join(dir, 'wal-0000000001.log'));
    await e.close(); // compacts: snapshot (gen 2) + empty wal-2
    open.pop();
    // Crash after the snapshot rename but before wal-2 existed and wal-1 was deleted; plus a stale temp.
    fs.rmSync(path.join(dir, 'wal-0000000002.log'));
    fs.writeFileSync(path.join(dir, 'wal-0000000001.log'), oldLog);
    fs.writeFileSync(path.join(dir, 'snapshot.nsnap.tmp'), 'half a snapshot');
    const again = await openAt(dir);
    expect(again.getCollection('app', 'c')!.count()).toBe(50);
    expect(fs.readdirSync(dir).sort()).toEqual(['nimbo.lock', 'snapshot.nsnap', 'wal-0000000002.log']);
  });

  it('compacts on close and reopens from the snapshot alone', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'c');
    for (let i = 0; i < 100; i++) c.insert({ _id: i });
    await e.close();
    open.pop();
    expect(walFiles(dir)).toEqual(['wal-0000000002.log']);
    expect(fs.statSync(path.join(dir, 'wal-0000000002.log')).size).toBe(0);
    const again = await openAt(dir);
    expect(again.getCollection('app', 'c')!.count()).toBe(100);
  });

  it('refuses a dbpath locked by a live process and takes over a stale lock', async () => {
    const dir = tmpDir();
    await openAt(dir);
    await expect(openStorage({ dbpath: dir })).rejects.toThrow(/in use by process \d+/);
    await closeAll();
    expect(fs.existsSync(path.join(dir, 'nimbo.lock'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), '999999999');
    const e = await openAt(dir);
    expect(fs.readFileSync(path.join(dir, 'nimbo.lock'), 'utf8')).toMatch(
      new RegExp(`^${process.pid}( \\d+)?$`),
    );
    expect(e.listDatabases()).toEqual([]);
  });

  it.skipIf(!fs.existsSync('/proc/self/stat'))(
    'takes over a lock whose pid now belongs to another live process (pid reuse after kill -9)',
    async () => {
      const dir = tmpDir();
      // The parent process is alive, but it started at another time than the lock says.
      fs.writeFileSync(path.join(dir, 'nimbo.lock'), `${process.ppid} 1`);
      const e = await openAt(dir);
      expect(e.listDatabases()).toEqual([]);
      await closeAll();
      // With its real start time, the same live pid holds the lock.
      const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      fs.writeFileSync(path.join(dir, 'nimbo.lock'), `${process.ppid} ${start}`);
      await expect(openStorage({ dbpath: dir })).rejects.toThrow(/in use by process/);
    },
  );

  it('rejects a document that cannot be logged and leaves memory unchanged', async () => {
    const dir = tmpDir();
    const e = await openAt(dir);
    const c = e.ensureCollection('app', 'c');
    c.createIndex({ name: 'k_1', key: { k: 1 }, unique: true });
    c.insert({ _id: 1, k: 1 });
    const circular: Record<string, unknown> = { _id: 2, k: 2 };
    circular.self = circular;
    expect(() => c.insert(circular)).toThrow();
    expect(c.findById(2)).toBeUndefined();
    c.insert({ _id: 2, k: 2 }); // the unique key was released too
    const bad: Record<string, unknown> = { _id: 1, k: 5 };
    bad.self = bad;
    expect(() => c.replace(bad)).toThrow();
    expect(c.findById(1)).toEqual({ _id: 1, k: 1 });
    expect([...c.candidates({ k: 5 })]).toEqual([]);
  });

  it('takes over a stale lock that names its own pid (pid reuse after a container restart)', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'nimbo.lock'), String(process.pid));
    const e = await openAt(dir);
    e.ensureCollection('a', 'b').insert({ _id: 1 });
    await expect(openStorage({ dbpath: dir })).rejects.toThrow(/this process/);
  });

  it('reads documents back with the caller’s BSON options, so numeric types survive a restart', async () => {
    const dir = tmpDir();
    const bson = { promoteValues: false };
    const e = await openStorage({ dbpath: dir, bson });
    const c = e.ensureCollection('app', 'c');
    c.createIndex({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 60 });
    c.createIndex({ name: 'n_1', key: { n: 1 }, partialFilterExpression: { n: { $gt: 1 } } });
    c.insert({ _id: 1, d: new Double(2), l: Long.fromNumber(2), i: new Int32(3), at: new Date(0), n: 5 });
    await e.close();
    const again = await openStorage({ dbpath: dir, bson });
    open.push(again);
    const c2 = again.getCollection('app', 'c')!;
    const doc = c2.findById(1)!;
    expect(doc.d).toBeInstanceOf(Double);
    expect(doc.l).toBeInstanceOf(Long);
    expect(doc.i).toBeInstanceOf(Int32);
    expect(c2.listIndexes()[1]).toEqual({ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 60 });
    expect(c2.listIndexes()[2]).toEqual({
      name: 'n_1',
      key: { n: 1 },
      partialFilterExpression: { n: { $gt: 1 } },
    });
    expect(c2.expire(new Date(3_600_000))).toBe(1);
  });

  it('is a no-op flush in memory mode', async () => {
    const e = await openStorage({});
    e.ensureCollection('a', 'b').insert({ _id: 1 });
    e.flush();
    await e.close();
  });

  it('keeps every flushed write when the process is killed with SIGKILL', async () => {
    const dir = tmpDir();
    const script = path.join(dir, 'writer.mts');
    const entry = path.resolve('local/mongo/storage/index.ts');
    fs.writeFileSync(
      script,
      `import { openStorage } from ${JSON.stringify(entry)};
const e = await openStorage({ dbpath: ${JSON.stringify(path.join(dir, 'db'))}, compactLogBytes: 50_000 });
const c = e.ensureCollection('app', 'c');
c.createIndex({ name: 'n_1', key: { n: 1 } });
for (let i = 0; i < 500; i++) { c.insert({ _id: i, n: i % 7, pad: 'y'.repeat(100) }); e.flush(); }
process.stdout.write('ok\\n');
// Unflushed work must not be needed for consistency: it may or may not survive.
for (let i = 500; ; i++) { c.insert({ _id: i, n: i % 7 }); if (i % 50 === 0) e.flush(); if (i > 1e6) break; }
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        if (b.toString().includes('ok')) {
          setTimeout(() => {
            child.kill('SIGKILL');
          }, 50);
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    const e = await openAt(path.join(dir, 'db'));
    const c = e.getCollection('app', 'c')!;
    for (let i = 0; i < 500; i++) expect(c.findById(i)).toBeDefined();
    const ids = [...c.all()].map((d) => d._id as number);
    expect(ids.slice(0, 500)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    // Whatever survived past the acknowledged prefix is a contiguous, consistent prefix of the later writes.
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i));
    expect([...c.candidates({ n: 3 })].every((d) => d.n === 3)).toBe(true);
  });
});
