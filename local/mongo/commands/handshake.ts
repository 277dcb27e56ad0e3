/** Handshake and diagnostic commands: what the driver's monitor and `admin()` helpers send. */
import type { Document } from 'bson';
import type { CommandContext, CommandSpec } from './context.js';

export const SERVER_VERSION = '7.0.0-nimbo-embedded';

/**
 * The handshake reply measured against driver 7.9 (shared notes §1). No topologyVersion (it would switch the
 * monitor to the streaming protocol), no setName (standalone, so no retryable-write txnNumbers), no compression.
 */
export function helloReply(ctx: CommandContext, legacy: boolean): Document {
  return {
    helloOk: true,
    [legacy ? 'ismaster' : 'isWritablePrimary']: true,
    maxBsonObjectSize: 16777216,
    maxMessageSizeBytes: 48000000,
    maxWriteBatchSize: 100000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connection.id,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

const ok = (): Document => ({ ok: 1 });

function buildInfo(): Document {
  return {
    version: SERVER_VERSION,
    gitVersion: 'nimbo-embedded',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: 16777216,
    storageEngines: ['nimbo'],
    javascriptEngine: 'none',
    modules: [],
    openssl: { running: 'disabled', compiled: 'disabled' },
    ok: 1,
  };
}

function getParameter(cmd: Document): Document {
  const known: Document = {
    featureCompatibilityVersion: { version: '7.0' },
    authenticationMechanisms: [],
    maxBSONDepth: 100,
  };
  if (cmd.getParameter === '*' || (typeof cmd.getParameter === 'object' && cmd.getParameter?.allParameters)) {
    return { ...known, ok: 1 };
  }
  const out: Document = {};
  for (const key of Object.keys(cmd)) if (key in known) out[key] = known[key];
  if (Object.keys(out).length === 0)
    return { ok: 0, errmsg: 'no option found to get', code: 72, codeName: 'InvalidOptions' };
  return { ...out, ok: 1 };
}

function serverStatus(ctx: CommandContext): Document {
  const uptimeMs = Date.now() - ctx.startedAt.getTime();
  return {
    host: ctx.connection.localAddress,
    version: SERVER_VERSION,
    process: 'nimbo-embedded',
    pid: process.pid,
    uptime: Math.floor(uptimeMs / 1000),
    uptimeMillis: uptimeMs,
    localTime: new Date(),
    connections: { current: 0, available: 1000 },
    metrics: { cursor: { open: { total: ctx.cursors.size } } },
    storageEngine: { name: 'nimbo', supportsCommittedReads: false, persistent: true },
    ok: 1,
  };
}

function hostInfo(): Document {
  return {
    system: { currentTime: new Date(), hostname: 'localhost', cpuAddrSize: 64, numCores: 1 },
    os: { type: process.platform, name: process.platform },
    extra: {},
    ok: 1,
  };
}

export const handshakeCommands: Record<string, CommandSpec> = {
  hello: { handler: (_cmd, ctx) => helloReply(ctx, false) },
  ismaster: { handler: (_cmd, ctx) => helloReply(ctx, true) },
  isMaster: { handler: (_cmd, ctx) => helloReply(ctx, true) },
  ping: { handler: ok },
  buildInfo: { handler: buildInfo },
  buildinfo: { handler: buildInfo },
  getParameter: { handler: getParameter, adminOnly: true },
  whatsmyuri: { handler: (_cmd, ctx) => ({ you: ctx.connection.remoteAddress, ok: 1 }) },
  getLog: {
    handler: (cmd) =>
      cmd.getLog === '*'
        ? { names: ['global', 'startupWarnings'], ok: 1 }
        : { totalLinesWritten: 0, log: [], ok: 1 },
    adminOnly: true,
  },
  hostInfo: { handler: hostInfo },
  serverStatus: { handler: (_cmd, ctx) => serverStatus(ctx) },
  endSessions: { handler: ok },
  killSessions: { handler: ok },
  refreshSessions: { handler: ok },
  killAllSessions: { handler: ok },
  connectionStatus: {
    handler: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  },
  getCmdLineOpts: { handler: () => ({ argv: ['nimbo-embedded'], parsed: {}, ok: 1 }), adminOnly: true },
  getFreeMonitoringStatus: { handler: () => ({ state: 'disabled', ok: 1 }), adminOnly: true },
  logout: { handler: ok },
};
