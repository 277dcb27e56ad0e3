/**
 * A real OpenSSH server on 127.0.0.1 per test file (see sshd-server.ts for what it is and needs).
 * Usage: `const sshd = useSshd();` at the top of a describe, then `sshd.port`, `sshd.target()`, ... in tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { type SshdOptions, startSshd, type TestSshd } from './sshd-server.js';

export {
  remoteProcessCheck,
  SSHD_BINARY,
  SSHD_HOST,
  type SshdOptions,
  startSshd,
  type TestSshd,
} from './sshd-server.js';

/** One sshd per test file (or describe): started before its tests, stopped after. */
export function useSshd(options: SshdOptions = {}): TestSshd {
  let server: TestSshd | undefined;
  beforeAll(async () => {
    server = await startSshd(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return new Proxy({} as TestSshd, {
    get(_, prop) {
      if (!server) throw new Error('useSshd: used outside a test');
      const value = Reflect.get(server, prop, server);
      return typeof value === 'function' ? value.bind(server) : value;
    },
  });
}
