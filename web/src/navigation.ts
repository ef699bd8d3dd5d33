/** The app's screens in the navigation, each open to all signed-in users or to some roles only. */
import type { OwnUser, Role } from './types';

/** A navigation entry; without `roles`, every signed-in user sees it. */
export interface NavItem {
  readonly path: string;
  readonly label: string;
  readonly roles?: readonly Role[];
}

/** Every screen there is, in navigation order. Screens for the roles' work join this list as they are built. */
export const NAV_ITEMS: readonly NavItem[] = [
  { path: '/', label: 'Home' },
  // Every role reads orders within its scope, so every role gets the overview of that scope first.
  { path: '/overview', label: 'Overview', roles: ['planner', 'approver', 'operator', 'quality', 'logistics', 'auditor', 'admin'] },
  { path: '/account', label: 'Account' },
  { path: '/work-center', label: 'Work center', roles: ['operator'] },
  { path: '/quality', label: 'Quality', roles: ['quality'] },
  { path: '/materials', label: 'Materials', roles: ['logistics'] },
  { path: '/orders', label: 'Orders', roles: ['planner', 'approver', 'quality'] },
  { path: '/approvals', label: 'Approvals', roles: ['approver'] },
  { path: '/admin', label: 'Admin', roles: ['admin'] },
  { path: '/audit', label: 'Audit', roles: ['auditor', 'admin'] },
];

/** The entries `user` may see: those for everyone and those for a role they hold (in any scope). */
export function navItemsFor(user: OwnUser): readonly NavItem[] {
  const held = new Set(user.roles.map((assignment) => assignment.role));
  return NAV_ITEMS.filter((item) => item.roles === undefined || item.roles.some((role) => held.has(role)));
}
