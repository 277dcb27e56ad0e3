/** API roles, ordered: each role can do everything the ones before it can. */
import { z } from 'zod';

export const ROLES = ['viewer', 'operator', 'admin', 'owner'] as const;
export const Role = z.enum(ROLES).describe('viewer < operator < admin < owner');
export type Role = z.infer<typeof Role>;

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}
