/**
 * Commands from other systems, as they arrive on the commands queue. Each message is authenticated with
 * the org token in its Authorization attribute (the HTTP API's roles apply), validated against the
 * versioned command schema, and acted on once per request id: the id is claimed in MongoDB (Powertools
 * idempotency) before anything happens, and the jobs it queues have ids derived from it, so a redelivered
 * or duplicated message finds the first one's outcome instead of acting again.
 *
 * A message that can never succeed (malformed, unauthorised, unknown machine, request id reused for a
 * different command) is rejected: audited in its org when the token says which, and forwarded to the
 * dead-letter queue with its reason instead of being retried. Anything else that fails is transient and
 * thrown, so the message is redelivered (and reaches the dead-letter queue after the redrive limit).
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { recordAudit } from '../audit/audit.js';
import { tokenFromAuthorization } from '../auth/authorize.js';
import { authenticateToken } from '../auth/tokens.js';
import type { ServiceDeps } from '../core/deps.js';
import {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  jobError,
  NimboError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../core/errors.js';
import { describeIssues } from '../core/field-errors.js';
import { log } from '../core/log.js';
import type { MachineDoc } from '../db/documents.js';
import { findMachine } from '../db/lookups.js';
import { enqueueJobsOnce, isTransient, type JobDeps } from '../jobs/jobs.js';
import { findMachinesForAction } from '../machines/conditions.js';
import { checkAction, machineActionJob } from '../machines/machines.js';
import { idempotencyCollection, MongoIdempotencyStore } from '../messages/idempotency-store.js';
import { type MessageQueue, queueFor } from '../messages/queue.js';
import type { TokenActor } from '../model/actor.js';
import { Command, type CommandResult, type CommandView } from '../model/command.js';
import { derivedId } from '../model/common.js';
import { roleAtLeast } from '../model/role.js';

/** One command acts on at most this many machines (the first by id); its result says `truncated`. */
export const MAX_MACHINES_PER_COMMAND = 1_000;

/** SQS keeps a message at most 14 days: a request id is remembered as long as its message can come back. */
const REMEMBER_SECONDS = 14 * 86_400;

/** The message as the queue delivered it. */
export interface IncomingCommand {
  messageId: string;
  body: string;
  /** The Authorization message attribute. */
  authorization?: string;
}

export interface CommandDeps extends JobDeps {
  /** Where rejected commands go, with their reason: the commands queue's DLQ (COMMANDS_DLQ_URL). */
  deadLetters?: MessageQueue;
  // remainingTimeMs (JobDeps): a request id taken by an attempt that dies is free again after it.
}

export type CommandOutcome =
  | { status: 'accepted'; requestId: string; result: CommandResult; replayed: boolean }
  | { status: 'rejected'; requestId: string | null; error: { code: string; message: string } };

/** The attributes a rejected message carries to the dead-letter queue (SQS attribute names). */
export const REJECTION_ATTRIBUTES = {
  code: 'NimboRejectCode',
  reason: 'NimboRejectReason',
  messageId: 'NimboSourceMessageId',
  orgId: 'NimboOrgId',
} as const;

/** Permanent: retrying the same message can only fail the same way. */
function isRejection(err: unknown): err is NimboError {
  return err instanceof NimboError && !isTransient(err) && !(err instanceof ConfigurationError);
}

export function parseCommand(body: string): Command {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ValidationError('The message body is not JSON');
  }
  const parsed = Command.safeParse(json);
  if (!parsed.success) {
    const { issues, summary } = describeIssues(parsed.error);
    throw new UnprocessableError(`Invalid command: ${summary}`, { details: { errors: issues } });
  }
  return parsed.data;
}

async function resolveTargets(
  deps: CommandDeps,
  orgId: string,
  command: Command,
): Promise<{ machines: MachineDoc[]; truncated: boolean }> {
  if ('machineId' in command.target) {
    return { machines: [await findMachine(deps, orgId, command.target.machineId)], truncated: false };
  }
  return findMachinesForAction(deps, orgId, command.target.conditions, MAX_MACHINES_PER_COMMAND);
}

/** The action itself: runs once per request id (the caller makes sure), and is safe to run again. */
async function actOnCommand(
  deps: CommandDeps,
  actor: TokenActor,
  command: Command,
  requestId: string,
  key: string,
): Promise<CommandResult> {
  const { machines, truncated } = await resolveTargets(deps, actor.orgId, command);
  const params = command.params ?? {};
  const result: CommandResult = {
    requestId,
    action: command.action,
    matched: machines.length,
    queued: 0,
    skipped: 0,
    truncated,
    machines: [],
  };
  const jobs = [];
  for (const m of machines) {
    try {
      checkAction(m, command.action, params);
    } catch (err) {
      if (!(err instanceof NimboError)) throw err;
      result.machines.push({ machineId: m._id, name: m.name, jobId: null, skipped: err.message });
      continue;
    }
    const id = derivedId('job', key, m._id);
    jobs.push({ ...machineActionJob(m._id, command.action, params, { commandKey: key }), id });
    result.machines.push({ machineId: m._id, name: m.name, jobId: id });
  }
  result.queued = jobs.length;
  result.skipped = machines.length - jobs.length;
  await enqueueJobsOnce(deps, actor, jobs, requestId);
  await recordAudit(deps, {
    id: derivedId('audit', 'command.accepted', key),
    actor,
    action: 'command.accepted',
    resource: { type: 'command', id: requestId },
    requestId,
    details: {
      action: command.action,
      matched: result.matched,
      queued: result.queued,
      skipped: result.skipped,
      truncated,
    },
  });
  return result;
}

/**
 * The payload is `{key, command}`: the key is `<orgId>:<requestId>`; the command is validated against the
 * one first seen with that key.
 */
export function commandIdempotencyConfig(): IdempotencyConfig {
  return new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'command',
    expiresAfterSeconds: REMEMBER_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
}

function idempotentAct(deps: CommandDeps, actor: TokenActor, requestId: string) {
  const config = commandIdempotencyConfig();
  config.registerLambdaContext({
    getRemainingTimeInMillis: deps.remainingTimeMs ?? (() => 60_000),
  } as Parameters<IdempotencyConfig['registerLambdaContext']>[0]);
  const state = { ran: false };
  const act = makeIdempotent(
    async (payload: { key: string; command: Command }): Promise<CommandResult> => {
      state.ran = true;
      return actOnCommand(deps, actor, payload.command, requestId, payload.key);
    },
    { persistenceStore: new MongoIdempotencyStore(() => deps.db), config },
  );
  return { act, state };
}

/** Runs the command once per (org, request id); a repeat answers the first run's result. */
async function acceptCommand(
  deps: CommandDeps,
  actor: TokenActor,
  command: Command,
  messageId: string,
): Promise<CommandOutcome> {
  const requestId = command.requestId ?? messageId;
  const { act, state } = idempotentAct(deps, actor, requestId);
  try {
    const result = await act({ key: `${actor.orgId}:${requestId}`, command });
    return { status: 'accepted', requestId, result, replayed: !state.ran };
  } catch (err) {
    if (err instanceof Error && err.name === 'IdempotencyValidationError') {
      throw new ConflictError(`Request id ${requestId} was already used for a different command`);
    }
    throw err;
  }
}

function deadLettersOf(deps: CommandDeps): MessageQueue {
  return deps.deadLetters ?? queueFor(process.env.COMMANDS_DLQ_URL, 'commands dead-letter');
}

/** Records the rejection (in the org's audit trail when the token was good) and forwards the message. */
async function rejectCommand(
  deps: CommandDeps,
  msg: IncomingCommand,
  err: NimboError,
  actor: TokenActor | undefined,
  requestId: string | null,
): Promise<CommandOutcome> {
  const error = jobError(err);
  log.warn('command rejected', { messageId: msg.messageId, orgId: actor?.orgId, ...error });
  if (actor) {
    await recordAudit(deps, {
      id: derivedId('audit', 'command.rejected', actor.orgId, msg.messageId),
      actor,
      action: 'command.rejected',
      resource: { type: 'command', id: requestId ?? msg.messageId },
      error: err,
      details: { messageId: msg.messageId },
    });
  }
  // The token is not forwarded: the dead-letter queue is read by people and tools that need no secret.
  await deadLettersOf(deps).send({
    body: msg.body,
    attributes: {
      [REJECTION_ATTRIBUTES.code]: error.code,
      [REJECTION_ATTRIBUTES.reason]: error.message.slice(0, 1024),
      [REJECTION_ATTRIBUTES.messageId]: msg.messageId,
      ...(actor ? { [REJECTION_ATTRIBUTES.orgId]: actor.orgId } : {}),
    },
  });
  return { status: 'rejected', requestId, error };
}

/** A request id from a body that failed validation, for the audit trail (when it looks like one). */
function requestIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { requestId?: unknown })?.requestId;
    return typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * Handles one message: 'accepted' (first time or replayed) or 'rejected' (forwarded to the DLQ). Throws
 * when the failure is transient: the caller leaves the message for redelivery.
 */
export async function handleCommand(deps: CommandDeps, msg: IncomingCommand): Promise<CommandOutcome> {
  let actor: TokenActor | undefined;
  let requestId: string | null = null;
  try {
    const token = tokenFromAuthorization(msg.authorization, 'message attribute', true);
    actor = await authenticateToken(deps, token);
    requestId = requestIdOf(msg.body);
    // Checked apart from authentication, so a refused command is still audited in its org.
    if (!roleAtLeast(actor.role, 'operator')) {
      throw new ForbiddenError(`Commands need the operator role; the token has ${actor.role}`);
    }
    const command = parseCommand(msg.body);
    return await acceptCommand(deps, actor, command, msg.messageId);
  } catch (err) {
    if (isRejection(err)) return rejectCommand(deps, msg, err, actor, requestId);
    throw err;
  }
}

/** A command's outcome as its org reads it, by request id (the SQS message id when it had none). */
export async function getCommand(deps: ServiceDeps, orgId: string, requestId: string): Promise<CommandView> {
  const doc = await idempotencyCollection(deps.db).findOne({ _id: `${orgId}:${requestId}` });
  if (!doc) throw new NotFoundError(`No command with request id ${requestId}`);
  return {
    requestId,
    status: doc.status === 'COMPLETED' ? 'completed' : 'in_progress',
    receivedAt: doc.createdAt.toISOString(),
    result: doc.status === 'COMPLETED' ? (doc.responseData as CommandResult) : null,
  };
}
