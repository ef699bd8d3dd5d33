/** Which work centers a person's roles reach: those under a scope of theirs, or all for an enterprise-wide role. */
import type { Role, RoleAssignment } from '../types.js';
import type { PlantNode } from './floor-types.js';

/** The work centers among `nodes` that an assignment of `role` reaches. */
export function workCentersFor(nodes: readonly PlantNode[], assignments: readonly RoleAssignment[], role: Role): PlantNode[] {
  const scopes = assignments.filter((assignment) => assignment.role === role).map((assignment) => assignment.scopeNodeId);
  return nodes.filter((node) => node.kind === 'work-center' && scopes.some((scope) => scope === null || node.path.includes(scope)));
}
