/**
 * Embedded MongoDB-compatible server: speaks the wire protocol the official driver uses and runs
 * commands against the storage engine. Binds to loopback unless told otherwise.
 */
import net from 'node:net';
import type { Document } from 'bson';
import type { CommandContext, ConnectionInfo } from './commands/context.js';
import { errorReply, runCommand } from './commands/dispatch.js';
import { CursorRegistry } from './cursors.js';
import { ErrorCode, MongoCommandError } from './errors.js';
import { LocalSessions } from './sessions.js';
import { openStorage } from './storage/index.js';
import type { StorageEngine } from './storage/types.js';
import { startTtlSweeper } from './ttl.js';
import {
  encodeOpMsg,
  encodeOpReply,
  HEADER_SIZE,
  MAX_MESSAGE_SIZE,
  MessageReader,
  OP_QUERY,
  type ParsedRequest,
  ProtocolError,
  parseMessage,
  readHeader,
} from './wire/framing.js';

export interface MongoServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Directory for data files; absent = in memory. */
  dbpath?: string;
  ttlSweepMs?: number;
  cursorIdleMs?: number;
  log?: (line: string) => void;
}

export interface RunningMongoServer {
  uri: string;
  host: string;
  port: number;
  storage: StorageEngine;
  close(): Promise<void>;
}

export async function startMongoServer(opts: MongoServerOptions = {}): Promise<RunningMongoServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const storage = await openStorage(opts.dbpath ? { dbpath: opts.dbpath } : {});
  const cursors = new CursorRegistry(opts.cursorIdleMs);
  const sessions = new LocalSessions();
  const startedAt = new Date();
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;

  const stopTtl = startTtlSweeper(storage, opts.ttlSweepMs ?? 60_000, log);

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connection: ConnectionInfo = {
      id: nextConnectionId++,
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      localAddress: `${socket.localAddress}:${socket.localPort}`,
    };
    const handler = new ConnectionHandler(
      socket,
      { storage, cursors, connection, startedAt, sessions },
      log,
      onStorageFailure,
    );
    socket.on('data', (chunk) => handler.onData(chunk));
    socket.on('error', (err) => log(`conn${connection.id} socket error: ${err.message}`));
    socket.on('close', () => {
      sockets.delete(socket);
      log(`conn${connection.id} closed`);
    });
    log(`conn${connection.id} accepted from ${connection.remoteAddress}`);
  });
  server.on('error', (err) => log(`server error: ${err.message}`));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // e.g. EADDRINUSE: release the data directory lock and timers before reporting.
    stopTtl();
    cursors.close();
    await storage.close();
    throw err;
  }
  const port = (server.address() as net.AddressInfo).port;
  const uriHost = host.includes(':') ? `[${host}]` : host;
  log(`listening on ${host}:${port}`);

  let closing: Promise<void> | undefined;
  const running: RunningMongoServer = {
    uri: `mongodb://${uriHost}:${port}`,
    host,
    port,
    storage,
    close() {
      closing ??= (async () => {
        stopTtl();
        cursors.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        await storage.close();
      })();
      return closing;
    },
  };
  // A write that could not reach the log is in memory only: as mongod does, stop rather than serve data
  // that a restart would not have. The write's client got an error; a restart recovers from the log.
  function onStorageFailure(err: Error): void {
    const line = `embedded MongoDB: the write-ahead log failed (${err.message}); shutting down to keep memory and disk in step`;
    log(line);
    process.stderr.write(`${line}\n`);
    running.close().catch(() => {});
  }
  return running;
}

type SharedState = Omit<CommandContext, 'db'>;

/** One client connection: frames messages, runs them in order, writes replies. */
class ConnectionHandler {
  private readonly reader = new MessageReader();
  private dead = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly shared: SharedState,
    private readonly log: (line: string) => void,
    private readonly onStorageFailure: (err: Error) => void,
  ) {}

  onData(chunk: Buffer): void {
    if (this.dead) return;
    try {
      this.reader.push(chunk);
      this.drain();
    } catch (err) {
      // Last line of defence: a bug in framing must not take the process down.
      this.log(
        `conn${this.shared.connection.id} closed after internal error: ${(err as Error).stack ?? err}`,
      );
      this.kill();
    }
  }

  private drain(): void {
    for (;;) {
      const length = this.reader.peekLength();
      if (length === undefined) return;
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        this.rejectUnframeable(length);
        return;
      }
      if (this.reader.bufferedBytes < length) return;
      const message = this.reader.take(length);
      this.handleMessage(message);
      if (this.dead) return;
    }
  }

  /** The stream cannot be resynchronised: answer if a header is readable, then close, as mongod does. */
  private rejectUnframeable(length: number): void {
    this.log(`conn${this.shared.connection.id}: invalid message length ${length}, closing`);
    if (length > MAX_MESSAGE_SIZE && this.reader.bufferedBytes >= HEADER_SIZE) {
      const header = readHeader(this.reader.peek(HEADER_SIZE));
      const err = new MongoCommandError(
        10334,
        `recv(): message msgLen ${length} is invalid. Min ${HEADER_SIZE} Max: ${MAX_MESSAGE_SIZE}`,
        {},
        'BSONObjectTooLarge',
      );
      this.socket.end(encodeOpMsg(err.toReply(), header.requestId));
      this.dead = true;
      return;
    }
    this.kill();
  }

  private handleMessage(message: Buffer): void {
    const header = readHeader(message);
    let request: ParsedRequest;
    try {
      request = parseMessage(message);
    } catch (err) {
      const code = err instanceof ProtocolError ? err.code : ErrorCode.InternalError;
      const reply = new MongoCommandError(code, (err as Error).message).toReply();
      this.log(`conn${this.shared.connection.id}: bad message: ${(err as Error).message}`);
      const legacy = header.opCode === OP_QUERY;
      this.send(legacy ? encodeOpReply(reply, header.requestId) : encodeOpMsg(reply, header.requestId));
      return;
    }
    const reply = this.execute(request);
    if (reply === undefined) return;
    let bytes: Buffer;
    try {
      bytes =
        request.kind === 'query'
          ? encodeOpReply(reply, header.requestId)
          : encodeOpMsg(reply, header.requestId);
    } catch (err) {
      const fallback = errorReply(
        new MongoCommandError(ErrorCode.InternalError, `cannot encode reply: ${(err as Error).message}`),
      );
      bytes =
        request.kind === 'query'
          ? encodeOpReply(fallback, header.requestId)
          : encodeOpMsg(fallback, header.requestId);
    }
    this.send(bytes);
  }

  /** Runs the command; undefined means "send nothing" (moreToCome). */
  private execute(request: ParsedRequest): Document | undefined {
    const body = request.body;
    let db: string;
    if (request.kind === 'query') {
      const dot = request.collection.indexOf('.');
      db = dot > 0 ? request.collection.slice(0, dot) : 'admin';
      const name = Object.keys(body)[0];
      if (
        !request.collection.endsWith('.$cmd') ||
        !name ||
        !['ismaster', 'isMaster', 'hello'].includes(name)
      ) {
        // Only the handshake still travels as OP_QUERY; legacy find/insert were removed from mongod 6.0.
        return new MongoCommandError(
          352,
          `Unsupported OP_QUERY command: ${name ?? '(none)'}. The client driver may require an upgrade.`,
          {},
          'UnsupportedOpQueryCommand',
        ).toReply();
      }
    } else {
      if (typeof body.$db !== 'string' || body.$db.length === 0) {
        const err = new MongoCommandError(
          40571,
          'OP_MSG requests require a $db argument',
          {},
          'Location40571',
        );
        return request.moreToCome ? undefined : err.toReply();
      }
      db = body.$db;
    }
    const ctx: CommandContext = { ...this.shared, db };
    const outcome = runCommand(body, ctx);
    if (outcome.wrote) {
      try {
        this.shared.storage.flush();
      } catch (err) {
        setImmediate(() => this.onStorageFailure(err as Error));
        return errorReply(
          new MongoCommandError(ErrorCode.InternalError, `flush failed: ${(err as Error).message}`),
        );
      }
    }
    if (request.kind === 'msg' && request.moreToCome) return undefined;
    return outcome.reply;
  }

  private send(bytes: Buffer): void {
    if (!this.dead && !this.socket.destroyed) this.socket.write(bytes);
  }

  private kill(): void {
    this.dead = true;
    this.socket.destroy();
  }
}
