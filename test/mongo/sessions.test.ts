import { randomUUID } from 'node:crypto';
import { Binary } from 'bson';
import { describe, expect, it } from 'vitest';
import { LocalSessions } from '../../local/mongo/sessions.js';

const lsid = () => ({
  id: new Binary(Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), Binary.SUBTYPE_UUID),
});

describe('the local session cache', () => {
  it('lists the sessions commands came with, once each, with their last use', () => {
    const s = new LocalSessions();
    const a = lsid();
    s.touch(a, new Date('2026-12-04T10:00:00Z'));
    s.touch(a, new Date('2026-12-04T10:05:00Z'));
    s.touch({ id: 'not a uuid' }, new Date('2026-12-04T10:05:00Z'));
    expect(s.list(new Date('2026-12-04T10:06:00Z'))).toEqual([
      expect.objectContaining({
        _id: expect.objectContaining({ id: a.id }),
        lastUse: new Date('2026-12-04T10:05:00Z'),
      }),
    ]);
  });

  it('forgets a session unused for 30 minutes, as mongod does', () => {
    const s = new LocalSessions();
    s.touch(lsid(), new Date('2026-12-04T10:00:00Z'));
    s.touch(lsid(), new Date('2026-12-04T10:20:00Z'));
    expect(s.list(new Date('2026-12-04T10:29:59Z'))).toHaveLength(2);
    expect(s.list(new Date('2026-12-04T10:30:01Z'))).toHaveLength(1);
  });
});
