/**
 * Deploying a key to a machine (mist's associate): log in with a key that already works for that user,
 * append the public key to ~/.ssh/authorized_keys unless it is there, then prove a login with the new key.
 * If the proof fails, the line we added is taken out again and no association is kept. Disassociating
 * removes exactly the lines carrying that key (other lines untouched) and the association.
 *
 * Both run as jobs (202): a deployment is two SSH logins, each bounded by the connect timeout, which does
 * not fit an API request's time budget on a slow host, and the job records the outcome and the error.
 */
import type { Actor } from '../auth/actor.js';
import { collections } from '../db/collections.js';
import type { JobDoc, KeyAssociationDoc, KeyDoc, MachineDoc } from '../db/documents.js';
import { NotFoundError, ProviderError, UnprocessableError } from '../errors.js';
import { newId } from '../model/common.js';
import { connectSsh } from '../ssh/connect.js';
import { execOn } from '../ssh/exec.js';
import { publicKeyBody } from '../ssh/keypair.js';
import { shellQuote } from '../ssh/quote.js';
import { recordAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { enqueueJobs, type JobDeps, jobActor } from './jobs.js';
import { findKey } from './keys.js';
import { findMachine } from './machines.js';
import { machineLogins, sshTargetFor, withMachineSsh } from './ssh-access.js';

const EXEC = { timeoutMs: 20_000, maxOutputBytes: 16 * 1024 };

/** Appends the line unless a line already carries the key; prints "added" or "present". */
export function appendKeyCommand(publicKey: string): string {
  const [algo, b64] = publicKeyBody(publicKey).split(' ');
  return [
    'umask 077',
    'mkdir -p ~/.ssh',
    'f=~/.ssh/authorized_keys',
    'touch "$f"',
    `if awk -v a=${shellQuote(algo!)} -v b=${shellQuote(b64!)} '{for(i=1;i<NF;i++) if($i==a && $(i+1)==b) found=1} END{exit !found}' "$f"; then echo present; exit 0; fi`,
    // A last line without its newline would be glued to ours.
    'if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then echo >> "$f"; fi',
    `printf '%s\\n' ${shellQuote(publicKey.trim())} >> "$f"`,
    'echo added',
  ].join('\n');
}

/** Rewrites authorized_keys without the lines carrying the key (in place: owner and mode stay); prints the count. */
export function removeKeyCommand(publicKey: string): string {
  const [algo, b64] = publicKeyBody(publicKey).split(' ');
  return [
    'f=~/.ssh/authorized_keys',
    '[ -f "$f" ] || { echo 0; exit 0; }',
    't=$(mktemp ~/.ssh/.nimbo.XXXXXX) || exit 1',
    `awk -v a=${shellQuote(algo!)} -v b=${shellQuote(b64!)} -v out="$t.count" '{drop=0; for(i=1;i<NF;i++) if($i==a && $(i+1)==b) drop=1; if(drop){n++; next} print} END{print n+0 > out}' "$f" > "$t" || { rm -f "$t" "$t.count"; exit 1; }`,
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
  await findKey(deps, actor.orgId, body.keyId);
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
        maxAttempts: 1,
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
        maxAttempts: 1,
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
  const login = { user: String(job.input.user), port: Number(job.input.port) };
  try {
    const logins = await machineLogins(deps, machine, { ...login, excludeKeyId: key._id });
    const outcome = await withMachineSsh(deps, machine, logins, async (connection) => {
      const appended = await execOn(connection, appendKeyCommand(key.publicKey), EXEC);
      if (appended.exitCode !== 0) {
        throw new ProviderError(
          `Could not write ~/.ssh/authorized_keys of ${login.user} (exit ${appended.exitCode}): ${appended.stderr.trim()}`,
        );
      }
      const added = appended.stdout.trim() === 'added';
      try {
        await verifyLogin(machine, key, login);
      } catch (err) {
        // Leave the host as we found it: our line goes, a line that was there before stays.
        if (added) await execOn(connection, removeKeyCommand(key.publicKey), EXEC).catch(() => undefined);
        throw new ProviderError(
          `The key was ${added ? 'added' : 'already present'} but a login with it failed, so it was not associated: ${(err as Error).message}`,
          { cause: err },
        );
      }
      return { added };
    });
    const now = deps.now();
    const association: KeyAssociationDoc = {
      _id: newId('keyAssociation'),
      orgId: job.orgId,
      keyId: key._id,
      machineId: machine._id,
      user: login.user,
      port: login.port,
      createdAt: now,
      lastUsedAt: now,
    };
    const { _id, createdAt, ...fields } = association;
    await collections(deps.db).keyAssociations.updateOne(
      { orgId: job.orgId, machineId: machine._id, keyId: key._id },
      { $set: fields, $setOnInsert: { _id, createdAt } },
      { upsert: true },
    );
    await audit(deps, job, 'key.associate', machine, key, { details: { ...login, added: outcome.added } });
    return { machineId: machine._id, keyId: key._id, ...login, added: outcome.added, verified: true };
  } catch (err) {
    await audit(deps, job, 'key.associate', machine, key, { error: err, details: login });
    throw err;
  }
}

export async function executeKeyDisassociate(deps: JobDeps, job: JobDoc): Promise<Record<string, unknown>> {
  const machine = await findMachine(deps, job.orgId, String(job.input.machineId));
  const key = await findKey(deps, job.orgId, String(job.input.keyId));
  const { keyAssociations } = collections(deps.db);
  const association = await keyAssociations.findOne({
    orgId: job.orgId,
    machineId: machine._id,
    keyId: key._id,
  });
  if (!association) return { skipped: 'the key is not associated with this machine' };
  const login = { user: association.user, port: association.port };
  try {
    let removed = 0;
    // A machine that left its cloud cannot be reached: only the association goes.
    if (!machine.missingSince) {
      const logins = await machineLogins(deps, machine, login);
      removed = await withMachineSsh(deps, machine, logins, async (connection) => {
        const r = await execOn(connection, removeKeyCommand(key.publicKey), EXEC);
        if (r.exitCode !== 0) {
          throw new ProviderError(
            `Could not rewrite ~/.ssh/authorized_keys (exit ${r.exitCode}): ${r.stderr.trim()}`,
          );
        }
        return Number(r.stdout.trim()) || 0;
      });
    }
    await keyAssociations.deleteOne({ _id: association._id, orgId: job.orgId });
    await audit(deps, job, 'key.disassociate', machine, key, {
      details: { ...login, linesRemoved: removed },
    });
    return { machineId: machine._id, keyId: key._id, ...login, linesRemoved: removed };
  } catch (err) {
    await audit(deps, job, 'key.disassociate', machine, key, { error: err, details: login });
    throw err;
  }
}
