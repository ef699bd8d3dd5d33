/** What saving a user's roles changes: the role-and-scope pairs added and removed, for the confirmation. */
import type { RoleAssignment } from '../types.js';

/** The assignments a save adds and removes, each in the order it was listed. */
export interface RoleChanges {
  readonly added: readonly RoleAssignment[];
  readonly removed: readonly RoleAssignment[];
}

const keyOf = (assignment: RoleAssignment): string => `${assignment.role}@${assignment.scopeNodeId ?? ''}`;

/** The difference between the roles held (`before`) and those about to be saved (`after`). */
export function roleChanges(before: readonly RoleAssignment[], after: readonly RoleAssignment[]): RoleChanges {
  const held = new Set(before.map(keyOf));
  const kept = new Set(after.map(keyOf));
  return { added: after.filter((assignment) => !held.has(keyOf(assignment))), removed: before.filter((assignment) => !kept.has(keyOf(assignment))) };
}
