/** The human roles of DESIGN.md; devices and integrations arrive with later issues. */
export const ROLES = ['planner', 'approver', 'operator', 'quality', 'logistics', 'auditor', 'admin'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Narrows an unknown string to a {@link Role}. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
