/**
 * What is stored in MongoDB. Every tenant document carries `orgId`; dates are BSON dates; ids are our own
 * prefixed strings (lib/model/common.ts), used as `_id`.
 */
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
