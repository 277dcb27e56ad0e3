/**
 * Loopback TCP endpoints for probe tests and benchmarks: a listener that accepts and drops connections,
 * and a port that is known to be closed. Only 127.0.0.1, never another address.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LoopbackListener {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function openLoopbackListener(port = 0): Promise<LoopbackListener> {
  let accepted = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // The client closes first (a probe resets), so no TIME_WAIT piles up on the listener's side.
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.destroy());
    socket.resume();
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
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

/**
 * Listeners in a child process, for benchmarks: in-process listeners share the prober's event loop, and a
 * busy prober then leaves completed handshakes unaccepted long enough to overflow the accept queue (SYNs
 * dropped, 1 s retransmits), which no real host would cause.
 */
export async function spawnLoopbackListeners(count: number): Promise<{ ports: number[]; close(): void }> {
  const script = [
    "const net = require('node:net');",
    `Promise.all(Array.from({ length: ${count} }, () => new Promise((resolve) => {`,
    '  const s = net.createServer((c) => {',
    "    c.on('error', () => c.destroy()); c.on('end', () => c.destroy()); c.resume();",
    '  });',
    "  s.listen(0, '127.0.0.1', () => resolve(s.address().port));",
    "}))).then((ports) => process.stdout.write(ports.join(',') + '\\n'));",
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve(String(d).trim().split(',').map(Number)));
  });
  return { ports, close: () => child.kill() };
}
