/**
 * The site's access policy (issue 4): who needs a second factor, which roles
 * one person may not hold together, how long sessions live, and when repeated
 * failed sign-ins lock an account or a source address. Pure: the stored form
 * and its service are in `site-policy-service.ts`.
 */
import { z } from 'zod';
import { ROLES, type Role } from '../domain/index.js';
import type { RoleAssignment } from './subject.js';

/**
 * Roles that always need a second factor: they approve, judge quality, run the
 * system or read its audit trail (NIST SP 800-171 3.5.3 asks MFA for privileged
 * accounts). The site policy can extend it to everyone, never shrink it.
 */
export const MFA_REQUIRED_ROLES: readonly Role[] = ['approver', 'quality', 'admin', 'auditor'];

const rolePair = z
  .tuple([z.enum(ROLES), z.enum(ROLES)])
  .refine(([a, b]) => a !== b, 'a role cannot conflict with itself');

/** Every setting of the site policy, with its bounds. */
export const sitePolicySchema = z.strictObject({
  /** Require TOTP of every user, not only of {@link MFA_REQUIRED_ROLES}. */
  mfaRequiredForAll: z.boolean(),
  /** Pairs of roles one user may not hold in overlapping scopes (separation of duties, NIST SP 800-53 AC-5). */
  conflictingRoles: z.array(rolePair).max(50),
  /** A session unused this long ends (NIST SP 800-63B §4.2.3: at AAL2, after at most 30 minutes of inactivity). */
  sessionIdleMinutes: z.int().min(1).max(24 * 60),
  /** A session ends this long after sign-in, used or not (a shift by default; §4.2.3 allows at most 12 hours). */
  sessionAbsoluteHours: z.int().min(1).max(12),
  /** Failed sign-ins for one username within the window that lock it. */
  lockoutAccountThreshold: z.int().min(3).max(100),
  /** Failed sign-ins from one source address within the window that lock it. */
  lockoutSourceThreshold: z.int().min(5).max(10_000),
  /** How long failures are counted before the count starts afresh. */
  lockoutWindowMinutes: z.int().min(1).max(24 * 60),
  /** How long the first lock lasts; each further lock in a row doubles it. */
  lockoutMinutes: z.int().min(1).max(24 * 60),
  /** The longest a lock grows to by doubling. */
  lockoutMaxMinutes: z.int().min(1).max(7 * 24 * 60),
  /**
   * After an electronic signature with password and TOTP, further signatures of the same session
   * need the password only for this long (21 CFR 11.200(a)(1)(i)); 0: every signature needs a code.
   */
  signingWindowMinutes: z.int().min(0).max(60),
});

/** The site policy in force. */
export type SitePolicy = z.output<typeof sitePolicySchema>;

/** One setting's name. */
export type SitePolicyKey = keyof SitePolicy;

/** The names of the settings, in the order they are shown. */
export const SITE_POLICY_KEYS = Object.keys(sitePolicySchema.shape) as readonly SitePolicyKey[];

/**
 * The policy of a new installation. Planner plus approver is allowed: a shift
 * supervisor often plans and approves, and the order service already refuses
 * anyone releasing an order they wrote. Admin plus auditor is not: whoever runs
 * the system must not also be the one who reviews its audit trail.
 */
export const DEFAULT_SITE_POLICY: SitePolicy = Object.freeze({
  mfaRequiredForAll: false,
  conflictingRoles: [['admin', 'auditor']] as [Role, Role][],
  sessionIdleMinutes: 30,
  sessionAbsoluteHours: 8,
  lockoutAccountThreshold: 5,
  lockoutSourceThreshold: 20,
  lockoutWindowMinutes: 15,
  lockoutMinutes: 15,
  lockoutMaxMinutes: 240,
  signingWindowMinutes: 5,
});

/** A change to the policy: some settings, each checked against its bounds. */
export const sitePolicyPatchSchema = sitePolicySchema.partial().refine((patch) => Object.keys(patch).length > 0, 'name at least one setting to change');

/** Checks a whole policy for settings that contradict each other; returns the problems (empty: fine). */
export function sitePolicyProblems(policy: SitePolicy): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (policy.lockoutMaxMinutes < policy.lockoutMinutes) problems.push({ path: 'lockoutMaxMinutes', message: 'must be at least lockoutMinutes' });
  if (policy.sessionIdleMinutes > policy.sessionAbsoluteHours * 60) problems.push({ path: 'sessionIdleMinutes', message: 'must not exceed sessionAbsoluteHours' });
  return problems;
}

/** True when a user holding `roles` must have a second factor under `policy`. */
export function mfaRequiredFor(policy: SitePolicy, roles: readonly { readonly role: Role }[]): boolean {
  if (policy.mfaRequiredForAll) return roles.length > 0;
  return roles.some((assignment) => MFA_REQUIRED_ROLES.includes(assignment.role));
}

/** Two roles held together against the policy, and where. */
export interface RoleConflict {
  readonly roles: readonly [Role, Role];
  readonly scopes: readonly [string | null, string | null];
}

/**
 * The first pair of assignments that the policy's conflicting roles forbid, or
 * null. Two scopes overlap when either is enterprise-wide (null) or one node is
 * on the other's path; `pathOf` gives a node's ancestor ids including itself.
 */
export function findRoleConflict(
  policy: SitePolicy,
  assignments: readonly RoleAssignment[],
  pathOf: (nodeId: string) => readonly string[],
): RoleConflict | null {
  const overlap = (a: string | null, b: string | null): boolean => a === null || b === null || pathOf(a).includes(b) || pathOf(b).includes(a);
  for (const [first, second] of policy.conflictingRoles) {
    for (const a of assignments.filter((assignment) => assignment.role === first)) {
      const clash = assignments.find((b) => b.role === second && overlap(a.scopeNodeId, b.scopeNodeId));
      if (clash) return { roles: [first, second], scopes: [a.scopeNodeId, clash.scopeNodeId] };
    }
  }
  return null;
}

/** A readable sentence for a {@link RoleConflict}, safe to show. */
export function describeRoleConflict(conflict: RoleConflict): string {
  const where = (scope: string | null): string => (scope === null ? 'enterprise-wide' : `on ${scope}`);
  return `the site policy forbids holding ${conflict.roles[0]} (${where(conflict.scopes[0])}) together with ${conflict.roles[1]} (${where(conflict.scopes[1])})`;
}
