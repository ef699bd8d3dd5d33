import type { Role } from '../domain/index.js';
import type { Action } from './permissions.js';

/** A role held by a user, scoped to a node of the plant hierarchy (null: the whole enterprise). */
export interface RoleAssignment {
  readonly role: Role;
  readonly scopeNodeId: string | null;
}

/** Who is acting: an authenticated user with their role assignments. */
export interface Subject {
  readonly userId: string;
  readonly username: string;
  readonly roles: readonly RoleAssignment[];
  /** Set while the one-time password has not been replaced: only a password change is allowed. */
  readonly passwordMustChange: boolean;
  /** Set while a role that requires MFA is held without an enrolled second factor: only enrolment (and a password change) is allowed. */
  readonly mfaEnrollmentRequired?: boolean;
  /** The session the request came with (absent for API tokens and in-process callers): signatures are tied to it. */
  readonly sessionId?: string;
  /** Set when the request came with an API token: it narrows the user's own permissions, never widens them. */
  readonly restriction?: TokenRestriction;
}

/** What an API token allows of its user's permissions: these actions, within this plant node. */
export interface TokenRestriction {
  readonly tokenId: string;
  readonly actions: readonly Action[];
  /** Plant node the token is confined to (null: wherever its user's roles reach). */
  readonly scopeNodeId: string | null;
}

/** The subject plus where the request came from, as the audit log records it. */
export interface Actor {
  readonly subject: Subject;
  readonly source: string | null;
}

/** The audit log's view of an actor. */
export function auditActorOf(actor: Actor): { userId: string; username: string; source: string | null } {
  return { userId: actor.subject.userId, username: actor.subject.username, source: actor.source };
}
