/** How dates and roles read in the app. */
import type { Role, RoleAssignment } from './types';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp from the API as a local date and time ("12 Mar 2026, 14:05"). */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** A timestamp from the API as a local day ("12 Mar"), for compact labels such as a chart's axis. */
export function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dayMonth.format(date);
}

/** A timestamp from the API as a local time of day ("14:05"). */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeOfDay.format(date);
}

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  planner: 'Planner',
  approver: 'Approver',
  operator: 'Operator',
  quality: 'Quality',
  logistics: 'Logistics',
  auditor: 'Auditor',
  admin: 'Administrator',
};

/** A role's name as people read it. */
export function roleName(role: Role): string {
  // A role added on the server before the app knows it still shows, by its code.
  return ROLE_NAMES[role] ?? role;
}

/** A role with its scope: "Planner, enterprise-wide" or "Operator, in plant node 3f…". */
export function describeAssignment(assignment: RoleAssignment): string {
  const scope = assignment.scopeNodeId === null ? 'enterprise-wide' : `in plant node ${assignment.scopeNodeId}`;
  return `${roleName(assignment.role)}, ${scope}`;
}
