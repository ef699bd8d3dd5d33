import { z } from 'zod';
import { ForgelineError, ROLES, idSchema } from '../domain/index.js';
import type { WriteTransaction } from '../store/index.js';
import { describeRoleConflict, findRoleConflict, type SitePolicy } from './site-policy.js';
import type { RoleAssignment } from './subject.js';

/** The roles of a user as an admin gives them: one to fifty, each enterprise-wide (null) or on a plant node. */
export const roleAssignmentsSchema = z.array(z.strictObject({ role: z.enum(ROLES), scopeNodeId: idSchema.nullable().default(null) })).min(1).max(50);

/** A change of a user's roles: the complete new set, replacing the old one. */
export const roleChangeSchema = z.strictObject({ roles: roleAssignmentsSchema });

/** The assignments without repeats, in the order given. */
export function uniqueAssignments(assignments: readonly RoleAssignment[]): RoleAssignment[] {
  return [...new Map(assignments.map((assignment) => [`${assignment.role}@${assignment.scopeNodeId}`, assignment])).values()];
}

/**
 * Checks, inside the transaction that stores them, that every scope names a
 * plant node (`unknown-reference`) and that the site policy allows holding
 * these roles together (`role-conflict`).
 */
export async function checkAssignments(trx: WriteTransaction, assignments: readonly RoleAssignment[], policy: SitePolicy): Promise<void> {
  const scopes = [...new Set(assignments.flatMap((assignment) => (assignment.scopeNodeId === null ? [] : [assignment.scopeNodeId])))];
  const nodes = scopes.length === 0 ? [] : await trx.selectFrom('plant_nodes').select(['id', 'path']).where('id', 'in', scopes).execute();
  const paths = new Map(nodes.map((node) => [node.id, node.path.split('/').filter(Boolean)]));
  const missing = scopes.find((scope) => !paths.has(scope));
  if (missing !== undefined) throw new ForgelineError('unknown-reference', `no plant node ${missing}`);
  const conflict = findRoleConflict(policy, assignments, (id) => paths.get(id) ?? [id]);
  if (conflict) {
    throw new ForgelineError('role-conflict', describeRoleConflict(conflict), { extensions: { conflictingRoles: conflict.roles } });
  }
}
