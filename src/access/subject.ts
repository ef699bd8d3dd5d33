import type { Role } from '../domain/index.js';

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
