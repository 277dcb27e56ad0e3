/**
 * Deploying a key to a machine (mist's associate): log in with a key that already works for that user
 * (the key itself among them: see deployLogins), append the public key to ~/.ssh/authorized_keys unless it
 * is there, then prove a login with the new key.
 * If the proof (or recording the association) fails, the line we added is taken out again and no
 * association is kept. The association records whether Nimbo added the line or found the key already
 * there: disassociating removes exactly the line Nimbo wrote, and only when it wrote it (an operator's own
 * line for the same key, perhaps with from="..." options, is never touched), then drops the association.
 *
 * Both run as jobs (202): a deployment is two SSH logins, each bounded by the connect timeout, which does
 * not fit an API request's time budget on a slow host, and the job records the outcome and the error.
 * Key jobs on one machine run one at a time (a lease per machine): removal rewrites the file, which would
 * lose a line another job appended meanwhile. A job that finds the lease taken is retried shortly.
 */

import { recordAudit } from '../audit/audit.js';
import type { ServiceDeps } from '../core/deps.js';
import { NotFoundError, ProviderError, UnprocessableError } from '../core/errors.js';
import { collections } from '../db/collections.js';
import type { JobDoc, KeyDoc, MachineDoc } from '../db/documents.js';
import { findKey, findMachine } from '../db/lookups.js';
import { enqueueJobs, type JobDeps, jobActor } from '../jobs/jobs.js';
import { withLease } from '../jobs/periodic-tasks.js';
import type { Actor } from '../model/actor.js';
import { newId } from '../model/common.js';
import { ChangePendingError } from '../providers/errors.js';
import { connectSsh } from '../ssh/connect.js';
import { SshKeyError } from '../ssh/errors.js';
import { execOn } from '../ssh/exec.js';
import { authorizedKeyLine, publicKeyBody } from '../ssh/keypair.js';
import { shellQuote } from '../ssh/quote.js';
import { deployLogins, machineLogins, sshTargetFor, withMachineSsh } from './ssh-access.js';

const EXEC = { timeoutMs: 20_000, maxOutputBytes: 16 * 1024 };

/** Longer than a key job's SSH work (three connects and execs, each bounded); a crashed job frees it after. */
const KEY_LEASE_MS = 2 * 60_000;
/** A job waiting for the machine's lease is retried every 15 s (ChangePendingError): about 2 minutes. */
const KEY_JOB_MAX_ATTEMPTS = 10;

export function keyLeaseKey(machineId: string): string {
  return `ssh-keys:${machineId}`;
}

/** Runs `work` while holding the machine's key lease; a taken lease is a transient error (retried). */
async function underKeyLease<T>(deps: ServiceDeps, machine: MachineDoc, work: () => Promise<T>): Promise<T> {
  const run = await withLease(deps, keyLeaseKey(machine._id), KEY_LEASE_MS, work);
  if (!run.ran) {
    throw new ChangePendingError(
      `Another key job is changing ~/.ssh/authorized_keys on machine ${machine.name}: this one runs again shortly`,
    );
  }
  return run.result;
}

/** The line Nimbo writes for a key; a stored key that would not make exactly one clean line is refused. */
function deployLine(key: KeyDoc): string {
  try {
    return authorizedKeyLine(key.publicKey);
  } catch (err) {
    if (err instanceof SshKeyError)
      throw new UnprocessableError(`Key ${key.name}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The lines Nimbo wrote for a key, to take out again. Keys imported before comments were checked may hold
 * a line break: Nimbo then wrote each of their lines, and each one goes.
 */
function writtenLines(key: KeyDoc): string[] {
  try {
    return [authorizedKeyLine(key.publicKey)];
  } catch {
    return key.publicKey
      .trim()
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  }
}

/** Appends the line unless a line already carries the key; prints "added" or "present". */
export function appendKeyCommand(line: string): string {
  const [algo, b64] = publicKeyBody(line).split(' ');
  return [
    'umask 077',
    'mkdir -p ~/.ssh',
    'f=~/.ssh/authorized_keys',
    'touch "$f"',
    `if awk -v a=${shellQuote(algo!)} -v b=${shellQuote(b64!)} '{for(i=1;i<NF;i++) if($i==a && $(i+1)==b) found=1} END{exit !found}' "$f"; then echo present; exit 0; fi`,
    // A last line without its newline would be glued to ours.
    'if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then echo >> "$f"; fi',
    `printf '%s\\n' ${shellQuote(line)} >> "$f"`,
    'echo added',
  ].join('\n');
}

/**
 * Rewrites authorized_keys without the lines that are exactly `lines` (trailing blanks aside), in place so
 * owner and mode stay; prints how many went. The lines travel in the environment, never through awk -v
 * (which would interpret backslashes in a comment).
 */
export function removeKeyCommand(lines: string[]): string {
  return [
    'f=~/.ssh/authorized_keys',
    '[ -f "$f" ] || { echo 0; exit 0; }',
    't=$(mktemp ~/.ssh/.nimbo.XXXXXX) || exit 1',
    `NIMBO_LINES=${shellQuote(lines.join('\n'))} awk -v out="$t.count" 'BEGIN{k=split(ENVIRON["NIMBO_LINES"], L, "\\n"); for(i=1;i<=k;i++) drop[L[i]]=1} {l=$0; sub(/[ \\t\\r]+$/, "", l)} (l in drop){n++; next} {print} END{print n+0 > out}' "$f" > "$t" || { rm -f "$t" "$t.count"; exit 1; }`,
    'cat "$t" > "$f" && cat "$t.count"',
    'rm -f "$t" "$t.count"',
  ].join('\n');
}

export async function requestKeyAssociation(
  deps: JobDeps,
  actor: Actor,
  machineId: string,
  body: { keyId: string; user: string; port: number },
  requestId: string,
) {
  const machine = await findMachine(deps, actor.orgId, machineId);
  if (machine.missingSince) throw new UnprocessableError(`Machine ${machine.name} is missing from its cloud`);
  deployLine(await findKey(deps, actor.orgId, body.keyId));
  const existing = await collections(deps.db).keyAssociations.findOne({
    orgId: actor.orgId,
    machineId,
    keyId: body.keyId,
  });
  if (existing && (existing.user !== body.user || existing.port !== body.port)) {
    throw new UnprocessableError(
      `The key is already associated with this machine as ${existing.user} on port ${existing.port}: disassociate it first`,
    );
  }
  const [job] = await enqueueJobs(
    deps,
    actor,
    [
      {
        type: 'key.associate',
        resource: { type: 'machine', id: machineId },
        input: { machineId, ...body },
        maxAttempts: KEY_JOB_MAX_ATTEMPTS,
      },
    ],
    requestId,
  );
  return job!;
}

export async function requestKeyDisassociation(
  deps: JobDeps,
  actor: Actor,
  machineId: string,
  keyId: string,
  requestId: string,
) {
  await findMachine(deps, actor.orgId, machineId);
  const association = await collections(deps.db).keyAssociations.findOne({
    orgId: actor.orgId,
    machineId,
    keyId,
  });
  if (!association) throw new NotFoundError(`Key ${keyId} is not associated with machine ${machineId}`);
  const [job] = await enqueueJobs(
    deps,
    actor,
    [
      {
        type: 'key.disassociate',
        resource: { type: 'machine', id: machineId },
        input: { machineId, keyId },
        maxAttempts: KEY_JOB_MAX_ATTEMPTS,
      },
    ],
    requestId,
  );
  return job!;
}

async function audit(
  deps: ServiceDeps,
  job: JobDoc,
  action: string,
  machine: MachineDoc,
  key: KeyDoc,
  extra: { error?: unknown; details?: Record<string, unknown> } = {},
) {
  await recordAudit(deps, {
    actor: jobActor(job),
    action,
    resource: { type: 'machine', id: machine._id, name: machine.name },
    jobId: job._id,
    ...(job.requestId ? { requestId: job.requestId } : {}),
    details: { keyId: key._id, keyName: key.name, fingerprint: key.fingerprint, ...extra.details },
    ...(extra.error ? { error: extra.error } : {}),
  });
}

/** Logs in with the new key alone (pinned host key), and runs `true`. */
async function verifyLogin(machine: MachineDoc, key: KeyDoc, login: { user: string; port: number }) {
  const target = await sshTargetFor(machine, key, { keyId: key._id, ...login });
  const connection = await connectSsh(target);
  try {
    const r = await execOn(connection, 'true', EXEC);
    if (r.exitCode !== 0) throw new ProviderError(`the check command exited with ${r.exitCode}`);
  } finally {
    connection.close();
  }
}

export async function executeKeyAssociate(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const machine = await findMachine(deps, job.orgId, String(job.input.machineId));
  const key = await findKey(deps, job.orgId, String(job.input.keyId));
  return underKeyLease(deps, machine, () => associate(deps, job, machine, key));
}

async function associate(deps: JobDeps, job: JobDoc, machine: MachineDoc, key: KeyDoc) {
  const login = { user: String(job.input.user), port: Number(job.input.port) };
  const { keyAssociations } = collections(deps.db);
  try {
    const line = deployLine(key);
    const logins = await deployLogins(deps, machine, key, login);
    const outcome = await withMachineSsh(deps, machine, logins, async (connection, via) => {
      const appended = await execOn(connection, appendKeyCommand(line), EXEC);
      if (appended.exitCode !== 0) {
        throw new ProviderError(
          `Could not write ~/.ssh/authorized_keys of ${login.user} (exit ${appended.exitCode}): ${appended.stderr.trim()}`,
        );
      }
      const added = appended.stdout.trim() === 'added';
      try {
        // Logged in with the key itself: the login is the proof.
        if (via.keyId !== key._id) await verifyLogin(machine, key, login);
      } catch (err) {
        // Leave the host as we found it: our line goes, a line that was there before stays.
        if (added) await execOn(connection, removeKeyCommand([line]), EXEC).catch(() => undefined);
        throw new ProviderError(
          `The key was ${added ? 'added' : 'already present'} but a login with it failed, so it was not associated: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const now = deps.now();
      try {
        // `added` only ever turns true: a re-association that finds Nimbo's own line keeps it Nimbo's.
        await keyAssociations.updateOne(
          { orgId: job.orgId, machineId: machine._id, keyId: key._id },
          {
            $set: { user: login.user, port: login.port, lastUsedAt: now, ...(added ? { added: true } : {}) },
            $setOnInsert: {
              _id: newId('keyAssociation'),
              createdAt: now,
              ...(added ? {} : { added: false }),
            },
          },
          { upsert: true },
        );
      } catch (err) {
        // Unrecorded, our line would be taken for the operator's by a retry: it goes, the retry adds it again.
        if (added) await execOn(connection, removeKeyCommand([line]), EXEC).catch(() => undefined);
        throw err;
      }
      return { added, loginKeyId: via.keyId };
    });
    await audit(deps, job, 'key.associate', machine, key, { details: { ...login, ...outcome } });
    return { machineId: machine._id, keyId: key._id, ...login, ...outcome, verified: true };
  } catch (err) {
    await audit(deps, job, 'key.associate', machine, key, { error: err, details: login });
    throw err;
  }
}

export async function executeKeyDisassociate(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const machine = await findMachine(deps, job.orgId, String(job.input.machineId));
  const key = await findKey(deps, job.orgId, String(job.input.keyId));
  return underKeyLease(deps, machine, () => disassociate(deps, job, machine, key));
}

async function disassociate(deps: JobDeps, job: JobDoc, machine: MachineDoc, key: KeyDoc) {
  const { keyAssociations } = collections(deps.db);
  const association = await keyAssociations.findOne({
    orgId: job.orgId,
    machineId: machine._id,
    keyId: key._id,
  });
  if (!association) return { skipped: 'the key is not associated with this machine' };
  const login = { user: association.user, port: association.port };
  // Associations recorded before `added` existed: Nimbo's line was removed then, and still is.
  const nimboAdded = association.added !== false;
  try {
    let removed = 0;
    let note: string | undefined;
    if (!nimboAdded) {
      note =
        "The key was already in authorized_keys when it was associated: its line is not Nimbo's and stays";
    } else if (machine.missingSince) {
      // A machine that left its cloud cannot be reached: only the association goes.
      note = 'The machine is missing from its cloud: only the association was dropped';
    } else {
      const logins = await machineLogins(deps, machine, login);
      removed = await withMachineSsh(deps, machine, logins, async (connection) => {
        const r = await execOn(connection, removeKeyCommand(writtenLines(key)), EXEC);
        if (r.exitCode !== 0) {
          throw new ProviderError(
            `Could not rewrite ~/.ssh/authorized_keys (exit ${r.exitCode}): ${r.stderr.trim()}`,
          );
        }
        return Number(r.stdout.trim()) || 0;
      });
      if (removed === 0)
        note = 'The line Nimbo added was no longer in authorized_keys (changed or removed since)';
    }
    await keyAssociations.deleteOne({ _id: association._id, orgId: job.orgId });
    const outcome = { ...login, linesRemoved: removed, addedByNimbo: nimboAdded, ...(note ? { note } : {}) };
    await audit(deps, job, 'key.disassociate', machine, key, { details: outcome });
    return { machineId: machine._id, keyId: key._id, ...outcome };
  } catch (err) {
    await audit(deps, job, 'key.disassociate', machine, key, { error: err, details: login });
    throw err;
  }
}
