/** A minimal raw-socket client for wire tests: sends hand-built bytes and reads whole replies. */
import net from 'node:net';
import { type Document, deserialize, serialize } from 'bson';

export function opMsg(
  body: Document,
  opts: { requestId?: number; flags?: number; opCode?: number } = {},
): Buffer {
  const bson = serialize(body);
  const out = Buffer.alloc(16 + 4 + 1 + bson.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(opts.requestId ?? 1, 4);
  out.writeInt32LE(0, 8);
  out.writeInt32LE(opts.opCode ?? 2013, 12);
  out.writeUInt32LE(opts.flags ?? 0, 16);
  out[20] = 0;
  out.set(bson, 21);
  return out;
}

export function opQuery(ns: string, query: Document, requestId = 1): Buffer {
  const bson = serialize(query);
  const nsBytes = Buffer.from(`${ns}\0`, 'utf8');
  const out = Buffer.alloc(16 + 4 + nsBytes.length + 8 + bson.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(0, 8);
  out.writeInt32LE(2004, 12);
  out.writeInt32LE(0, 16);
  nsBytes.copy(out, 20);
  out.writeInt32LE(0, 20 + nsBytes.length);
  out.writeInt32LE(-1, 24 + nsBytes.length);
  out.set(bson, 28 + nsBytes.length);
  return out;
}

export interface RawReply {
  opCode: number;
  responseTo: number;
  doc: Document;
}

export function parseReply(buf: Buffer): RawReply {
  const opCode = buf.readInt32LE(12);
  const responseTo = buf.readInt32LE(8);
  const docStart = opCode === 1 ? 36 : 21;
  return { opCode, responseTo, doc: deserialize(buf.subarray(docStart)) };
}

export class RawConnection {
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next whole reply, or undefined if the server closed the connection (or nothing came within ms). */
  async next(ms = 2000): Promise<RawReply | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.buffered.length >= 4) {
        const len = this.buffered.readInt32LE(0);
        if (this.buffered.length >= len) {
          const msg = this.buffered.subarray(0, len);
          this.buffered = this.buffered.subarray(len);
          return parseReply(msg);
        }
      }
      if (this.closed || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(deadline - Date.now(), 1));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed the socket (or after ms). */
  async waitClosed(ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
