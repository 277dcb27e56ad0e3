/**
 * Reaching inside a machine: which logins to try (its key associations, then the host's registered key,
 * then the org's default key), the host key pin (trust on first use, stored on the machine; a changed key
 * refuses), and the bookkeeping after a login works. Everything that runs commands on machines (key
 * deployment, scripts, reboots of bring-your-own hosts) goes through `withMachineSsh`.
 */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { NotFoundError, UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { KeyDoc, MachineDoc } from '../db/documents.js';
import { findMachine } from '../db/lookups.js';
import type { Actor } from '../model/actor.js';
import { connectSsh, type SshConnection, type SshConnectOptions, type SshTarget } from '../ssh/connect.js';
import { SshAuthError, SshHostKeyMismatchError } from '../ssh/errors.js';
import { execOn, type SshExecOptions, type SshExecResult } from '../ssh/exec.js';
import { openKey } from './keys.js';

export interface SshLogin {
  keyId: string;
  user: string;
  port: number;
}

export const DEFAULT_SSH_USER = 'root';
export const DEFAULT_SSH_PORT = 22;

/** Where to connect: the registered address of a bring-your-own host, else the first public, then private IP. */
export function machineAddress(machine: MachineDoc): string {
  const address = machine.publicIps[0] ?? machine.privateIps[0];
  if (!address) throw new UnprocessableError(`Machine ${machine.name} has no IP address to connect to`);
  return address;
}

/** The registration of a bring-your-own host (stored in its extra by the ssh driver). */
function registered(machine: MachineDoc): { user: string; port: number; keyId: string | null } | null {
  if (machine.provider !== 'ssh') return null;
  return {
    user: String(machine.extra.sshUser ?? DEFAULT_SSH_USER),
    port: Number(machine.extra.sshPort ?? DEFAULT_SSH_PORT),
    keyId: typeof machine.extra.sshKeyId === 'string' ? machine.extra.sshKeyId : null,
  };
}

/**
 * The logins to try, best first: associations (most recently used first), the host's registered key,
 * the org's default key. `only` restricts them to one user and port (deploying for that user).
 */
export async function machineLogins(
  deps: ServiceDeps,
  machine: MachineDoc,
  only?: { user: string; port: number; excludeKeyId?: string },
): Promise<SshLogin[]> {
  const { keyAssociations, keys } = collections(deps.db);
  const logins: SshLogin[] = [];
  const associations = await keyAssociations
    .find({ orgId: machine.orgId, machineId: machine._id })
    .sort({ lastUsedAt: -1, createdAt: -1 })
    .toArray();
  for (const a of associations) logins.push({ keyId: a.keyId, user: a.user, port: a.port });
  const reg = registered(machine);
  const fallbackKey =
    reg?.keyId ??
    (await keys.findOne({ orgId: machine.orgId, isDefault: true }, { projection: { _id: 1 } }))?._id;
  if (fallbackKey) {
    logins.push({
      keyId: fallbackKey,
      user: only?.user ?? reg?.user ?? DEFAULT_SSH_USER,
      port: only?.port ?? reg?.port ?? DEFAULT_SSH_PORT,
    });
  }
  const seen = new Set<string>();
  return logins.filter((l) => {
    const id = `${l.keyId} ${l.user} ${l.port}`;
    if (seen.has(id)) return false;
    seen.add(id);
    if (only && (l.user !== only.user || l.port !== only.port || l.keyId === only.excludeKeyId)) return false;
    return true;
  });
}

/** The key pair the cloud reports the machine was launched with (EC2's KeyName, kept in its extra). */
export function launchKeyName(machine: MachineDoc): string | null {
  const name = machine.extra.keyName;
  return typeof name === 'string' && name !== '' ? name : null;
}

/**
 * The logins to deploy `key` with, as `login`'s user and port: the machine's other logins, and the key
 * itself. A key that already logs in needs no other one to be associated: that is the normal EC2 case,
 * where the launch key is in authorized_keys from the first boot and is often the org's only key. So the
 * key itself is tried first when it is the machine's launch key (named as the cloud reports it), else
 * last, after the keys that usually open the machine (deploying a new key, it is refused: one attempt).
 */
export async function deployLogins(
  deps: ServiceDeps,
  machine: MachineDoc,
  key: KeyDoc,
  login: { user: string; port: number },
): Promise<SshLogin[]> {
  const others = await machineLogins(deps, machine, { ...login, excludeKeyId: key._id });
  const itself: SshLogin = { keyId: key._id, ...login };
  return launchKeyName(machine) === key.name ? [itself, ...others] : [...others, itself];
}

/** The connection target for one key: the machine's address and pinned host key. */
export async function sshTargetFor(machine: MachineDoc, key: KeyDoc, login: SshLogin): Promise<SshTarget> {
  const opened = await openKey(key);
  return {
    host: machineAddress(machine),
    port: login.port,
    username: login.user,
    privateKey: opened.privateKey,
    ...(opened.passphrase ? { passphrase: opened.passphrase } : {}),
    hostKeyPin: machine.sshHostKey?.fingerprint ?? null,
  };
}

/**
 * Trust on first use: the first fingerprint seen is stored. When another connection pinned one first (the
 * conditional update matched nothing), the stored pin decides: a different key refuses this connection,
 * exactly as if the pin had been there when it connected.
 */
export async function pinHostKey(
  deps: ServiceDeps,
  machine: MachineDoc,
  fingerprint: string,
  where?: string,
): Promise<void> {
  if (machine.sshHostKey?.fingerprint || !fingerprint) return;
  const { machines } = collections(deps.db);
  const pinned = { fingerprint, pinnedAt: deps.now() };
  const res = await machines.updateOne(
    {
      _id: machine._id,
      orgId: machine.orgId,
      $or: [{ sshHostKey: null }, { sshHostKey: { $exists: false } }],
    },
    { $set: { sshHostKey: pinned } },
  );
  if (res.matchedCount === 0) {
    const stored = await machines.findOne(
      { _id: machine._id, orgId: machine.orgId },
      { projection: { sshHostKey: 1 } },
    );
    if (!stored) throw new NotFoundError(`Machine ${machine.name} no longer exists`);
    const expected = stored.sshHostKey?.fingerprint;
    if (expected !== fingerprint) {
      throw new SshHostKeyMismatchError(where ?? machineAddress(machine), expected ?? '(none)', fingerprint);
    }
    machine.sshHostKey = stored.sshHostKey;
    return;
  }
  machine.sshHostKey = pinned;
}

/**
 * Tries the logins in order until one authenticates; a refused key moves on to the next, anything else
 * (unreachable, changed host key) stops at once. Runs `work` on the connection, then closes it.
 */
export async function withMachineSsh<T>(
  deps: ServiceDeps,
  machine: MachineDoc,
  logins: SshLogin[],
  work: (connection: SshConnection, login: SshLogin) => Promise<T>,
  options: SshConnectOptions = {},
): Promise<T> {
  if (logins.length === 0) {
    throw new UnprocessableError(
      `No SSH key to log in to machine ${machine.name}: associate a key with it, or give the org a default key`,
    );
  }
  const { keys, keyAssociations } = collections(deps.db);
  const refused: string[] = [];
  for (const login of logins) {
    const key = await keys.findOne({ _id: login.keyId, orgId: machine.orgId });
    if (!key) continue;
    let connection: SshConnection;
    try {
      connection = await connectSsh(await sshTargetFor(machine, key, login), options);
    } catch (err) {
      if (err instanceof SshAuthError) {
        refused.push(`key ${key.name} as ${login.user} on port ${login.port}`);
        continue;
      }
      throw err;
    }
    try {
      await pinHostKey(
        deps,
        machine,
        connection.hostKeyFingerprint,
        `${machineAddress(machine)}:${login.port}`,
      );
      await keyAssociations.updateOne(
        {
          orgId: machine.orgId,
          machineId: machine._id,
          keyId: login.keyId,
          user: login.user,
          port: login.port,
        },
        { $set: { lastUsedAt: deps.now() } },
      );
      return await work(connection, login);
    } finally {
      connection.close();
    }
  }
  throw new SshAuthError(
    `SSH login to machine ${machine.name} (${machineAddress(machine)}) failed: the server refused ${refused.join(', ') || 'every key'}`,
  );
}

/** One command on a machine with the first login that works. */
export async function machineExec(
  deps: ServiceDeps,
  machine: MachineDoc,
  command: string,
  options: SshExecOptions,
): Promise<SshExecResult & { login: SshLogin }> {
  const logins = await machineLogins(deps, machine);
  return withMachineSsh(
    deps,
    machine,
    logins,
    async (connection, login) => ({ ...(await execOn(connection, command, options)), login }),
    options,
  );
}

/** After a reinstall: the next connection pins whatever key the host presents then. Audited. */
export async function resetHostKey(deps: ServiceDeps, actor: Actor, machineId: string, requestId: string) {
  const machine = await findMachine(deps, actor.orgId, machineId);
  await collections(deps.db).machines.updateOne(
    { _id: machine._id, orgId: actor.orgId },
    { $set: { sshHostKey: null, updatedAt: deps.now() } },
  );
  await recordAudit(deps, {
    actor,
    action: 'machine.host_key_reset',
    resource: { type: 'machine', id: machine._id, name: machine.name },
    requestId,
    details: { previous: machine.sshHostKey?.fingerprint ?? null },
  });
}
