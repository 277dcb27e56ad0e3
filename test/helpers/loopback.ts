/**
 * Loopback TCP endpoints for probe tests and benchmarks: a listener that accepts and drops connections,
 * and a port that is known to be closed. Only 127.0.0.1, never another address.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';

export interface LoopbackListener {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function openLoopbackListener(port = 0): Promise<LoopbackListener> {
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    socket.on('error', () => {});
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('listener has no port');
  return {
    port: address.port,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on: bound for a moment to pick a free one, then released. */
export async function closedLoopbackPort(): Promise<number> {
  const listener = await openLoopbackListener();
  await listener.close();
  return listener.port;
}

/**
 * A port whose handshakes never complete: a listener with a tiny backlog that never accepts (a child
 * node process whose event loop is blocked right after listen). Once one connection fills the queue, the
 * kernel drops further SYNs and connects hang until their timeout, like a firewalled host.
 */
export async function openUnansweringListener(): Promise<{ port: number; close(): void }> {
  const script = [
    "const s = require('node:net').createServer();",
    "s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {",
    "  process.stdout.write(s.address().port + '\\n', () =>",
    '    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));',
    '});',
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  });
  // Fill the accept queue (a closed connection stays queued until accepted, which is never): connect
  // until one hangs.
  for (let i = 0; i < 8; i++) {
    const connected = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.setTimeout(200, () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(false));
    });
    if (!connected) break;
  }
  return { port, close: () => child.kill('SIGKILL') };
}
