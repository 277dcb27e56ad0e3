/**
 * What is stored in MongoDB. Every tenant document carries `orgId`; dates are BSON dates; ids are our own
 * prefixed strings (lib/model/common.ts), used as `_id`.
 */
import type { JobStatus, JobType } from '../model/job.js';
import type { Role } from '../model/role.js';

export interface OrgDoc {
  _id: string;
  name: string;
  createdAt: Date;
  /** Days audit events are kept (TTL). */
  auditRetentionDays: number;
}

export interface TokenDoc {
  _id: string;
  orgId: string;
  name: string;
  role: Role;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  prefix: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AuditDoc {
  _id: string;
  orgId: string;
  time: Date;
  actor: { type: 'token' | 'system'; id: string; name: string };
  action: string;
  resource: { type: string; id: string; name?: string };
  result: 'success' | 'failure';
  error?: { code: string; message: string };
  requestId?: string;
  jobId?: string;
  details?: Record<string, unknown>;
  /** time + the org's retention: a TTL index removes the event then. */
  expireAt: Date;
}

export interface JobDoc {
  _id: string;
  orgId: string;
  type: JobType;
  status: JobStatus;
  resource: { type: string; id: string };
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  attempts: number;
  maxAttempts: number;
  /** While running: when another worker may take the job over (a crashed worker's lease runs out). */
  leaseUntil: Date | null;
  actor: { type: 'token' | 'system'; id: string; name: string };
  requestId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Finished jobs are removed after a while (TTL). */
  expireAt: Date | null;
}
