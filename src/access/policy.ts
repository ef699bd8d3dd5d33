import { CONFIDENTIAL_FIELDS, ForgelineError, RELEASED_STATES, type ConfidentialField, type OrderState, type Role } from '../domain/index.js';
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
  | { readonly allowed: false; readonly code: DenialCode; readonly reason: string };

/** Why {@link can} refused; each is an error code of the API. */
export type DenialCode = 'forbidden' | 'separation-of-duties' | 'password-change-required' | 'mfa-enrollment-required';

const ALLOW: Decision = { allowed: true };

function deny(code: DenialCode, reason: string): Decision {
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
 * What {@link can} asks of the subject before looking at any resource: the one-time password
 * changed, the second factor enrolled where a role needs one, the action within an API token's
 * list. For callers that act on many resources at once (listings), which must ask this first.
 */
export function mayAsk(subject: Subject, action: Action): Decision {
  if (subject.passwordMustChange) return deny('password-change-required', 'change your one-time password first');
  if (subject.mfaEnrollmentRequired === true) return deny('mfa-enrollment-required', 'a role of yours requires a second factor: enrol TOTP first');
  if (subject.restriction !== undefined && !subject.restriction.actions.includes(action)) return deny('forbidden', `this API token does not allow ${action}`);
  return ALLOW;
}

/**
 * The one policy function (DESIGN.md invariant 2): may `subject` do `action` on `resource`?
 * Denies by default; then applies the permission table within scope, then separation of duties.
 */
export function can(subject: Subject, action: Action, resource: Resource): Decision {
  const gate = mayAsk(subject, action);
  if (!gate.allowed) return gate;
  const restriction = subject.restriction;
  if (restriction !== undefined) {
    const path = resource.kind === 'system' ? [] : resource.scopePath;
    if (restriction.scopeNodeId !== null && !SCOPE_FREE_ACTIONS.includes(action) && !path.includes(restriction.scopeNodeId)) {
      return deny('forbidden', 'this API token is confined to another part of the plant');
    }
  }
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

/** The states in which an order is on the shop floor: the only ones whose recipe an operator needs. */
const ON_THE_FLOOR: readonly OrderState[] = ['dispatched', 'running', 'paused'];

/**
 * Which confidential fields a role may see of an order it may read confidentially (issue 4
 * point 6): operators get the parameters (setpoints) of orders on the floor in their scope and
 * never the customer; the other roles with `order.read-confidential` get both. Logistics,
 * auditors and admins hold no such permission and see none.
 */
const FIELDS_OF_ROLE: Readonly<Partial<Record<Role, (state: OrderState) => readonly ConfidentialField[]>>> = {
  planner: () => CONFIDENTIAL_FIELDS,
  approver: () => CONFIDENTIAL_FIELDS,
  quality: () => CONFIDENTIAL_FIELDS,
  operator: (state) => (ON_THE_FLOOR.includes(state) ? ['parameters'] : []),
};

/**
 * The confidential fields `subject` may see of an order: the union over the roles that reach it
 * and allow `order.read-confidential`, in {@link CONFIDENTIAL_FIELDS} order. Empty: none.
 */
export function visibleConfidentialFields(subject: Subject, resource: Extract<Resource, { kind: 'order' }>): ConfidentialField[] {
  if (!can(subject, 'order.read-confidential', resource).allowed) return [];
  const visible = new Set<ConfidentialField>();
  for (const role of rolesReaching(subject, 'order.read-confidential', resource)) {
    if (!ROLE_PERMISSIONS[role].includes('order.read-confidential')) continue;
    for (const field of FIELDS_OF_ROLE[role]?.(resource.state) ?? []) visible.add(field);
  }
  return CONFIDENTIAL_FIELDS.filter((field) => visible.has(field));
}

/** {@link can}, throwing the refusal as a {@link ForgelineError} (for reads, whose refusals are not audited). */
export function assertCan(subject: Subject, action: Action, resource: Resource): void {
  const decision = can(subject, action, resource);
  if (!decision.allowed) throw new ForgelineError(decision.code, decision.reason);
}
