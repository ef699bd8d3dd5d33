import { ForgelineError, RELEASED_STATES, type OrderState, type Role } from '../domain/index.js';
import { ROLE_PERMISSIONS, type Action } from './permissions.js';
import type { Subject } from './subject.js';

/** What an action is asked on: an order (with what the rules need to know of it) or the system as a whole. */
export type Resource =
  | {
      readonly kind: 'order';
      /** Plant node ids from the enterprise down to the order's work center. */
      readonly scopePath: readonly string[];
      readonly state: OrderState;
      /** Everyone who authored a revision of the order. */
      readonly authorIds: readonly string[];
    }
  | { readonly kind: 'order-scope'; readonly scopePath: readonly string[] }
  | { readonly kind: 'system' };

/** The answer of {@link can}: allowed, or denied with the stable code and a reason safe to show. */
export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: 'forbidden' | 'separation-of-duties' | 'password-change-required'; readonly reason: string };

const ALLOW: Decision = { allowed: true };

function deny(code: 'forbidden' | 'separation-of-duties' | 'password-change-required', reason: string): Decision {
  return { allowed: false, code, reason };
}

/** Reading the plant and the item master is needed by every scoped role to work at all. */
const SCOPE_FREE_ACTIONS: readonly Action[] = ['plant.read', 'item.read'];

/** The roles a subject holds that reach the resource: enterprise-wide ones always, scoped ones when the scope is on the resource's path. */
function rolesReaching(subject: Subject, action: Action, resource: Resource): Set<Role> {
  const path = resource.kind === 'system' ? [] : resource.scopePath;
  const reaches = (scopeNodeId: string | null): boolean =>
    scopeNodeId === null || SCOPE_FREE_ACTIONS.includes(action) || path.includes(scopeNodeId);
  return new Set(subject.roles.filter((assignment) => reaches(assignment.scopeNodeId)).map((a) => a.role));
}

/**
 * The one policy function (DESIGN.md invariant 2): may `subject` do `action` on `resource`?
 * Denies by default; then applies the permission table within scope, then separation of duties.
 */
export function can(subject: Subject, action: Action, resource: Resource): Decision {
  if (subject.passwordMustChange) return deny('password-change-required', 'change your one-time password first');
  const roles = rolesReaching(subject, action, resource);
  const permitted = [...roles].filter((role) => ROLE_PERMISSIONS[role].includes(action));
  if (permitted.length === 0) return deny('forbidden', `no role of yours allows ${action} here`);

  if (action === 'order.release') {
    // Separation of duties (invariant 3): no admin approves, nobody approves their own order.
    if (subject.roles.some((assignment) => assignment.role === 'admin')) {
      return deny('separation-of-duties', 'administrators may not release orders');
    }
    if (resource.kind === 'order' && resource.authorIds.includes(subject.userId)) {
      return deny('separation-of-duties', 'you authored this order, so another approver must release it');
    }
  }
  if (action === 'order.cancel' && resource.kind === 'order' && RELEASED_STATES.includes(resource.state) && !roles.has('approver')) {
    return deny('forbidden', 'only an approver may cancel an order after release');
  }
  return ALLOW;
}

/** {@link can}, throwing the refusal as a {@link ForgelineError} (for reads, whose refusals are not audited). */
export function assertCan(subject: Subject, action: Action, resource: Resource): void {
  const decision = can(subject, action, resource);
  if (!decision.allowed) throw new ForgelineError(decision.code, decision.reason);
}
