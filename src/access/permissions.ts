import { ORDER_ACTIONS, type Role } from '../domain/index.js';

/** Everything a subject can ask to do. Order lifecycle actions are `order.<action>`, one per row of the lifecycle table. */
export const ACTIONS = [
  'order.create',
  'order.read',
  'order.read-confidential',
  ...ORDER_ACTIONS.map((action) => `order.${action}` as const),
  'item.read',
  'item.manage',
  'plant.read',
  'plant.manage',
  'user.read',
  'user.manage',
  'audit.read',
  // Adding witness cosignatures to a stored checkpoint (issue 3 point 7); it changes no entry.
  'audit.witness',
  // The site's access policy (issue 4): MFA, conflicting roles, session and lockout settings.
  'policy.read',
  'policy.manage',
  // Order-signing keys (issue 5): rotate and revoke; listing the public keys is open to every signed-in subject.
  'key.manage',
  // Devices (issue 5 point 6): register, mint enrolment tokens, revoke; and list them with their certificates.
  'device.manage',
  'device.read',
  // IEC 62443 zones and conduits (issue 6 point 1): replaced as a whole by admins; read by admins and auditors.
  'zone.manage',
  'zone.read',
] as const;

/** One of {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/**
 * The permission table: which role may ask for which action, before scope and
 * separation of duties narrow it. Anything not listed is denied.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Action[]>> = {
  planner: [
    'order.create', 'order.read', 'order.read-confidential', 'order.edit', 'order.submit', 'order.dispatch', 'order.cancel',
    'item.read', 'item.manage', 'plant.read',
  ],
  approver: [
    'order.read', 'order.read-confidential', 'order.release', 'order.dispatch', 'order.close', 'order.cancel',
    'item.read', 'plant.read',
  ],
  operator: [
    'order.read', 'order.read-confidential', 'order.start', 'order.pause', 'order.resume', 'order.progress', 'order.complete',
    'item.read', 'plant.read',
  ],
  quality: ['order.read', 'order.read-confidential', 'order.hold', 'order.unhold', 'item.read', 'plant.read'],
  // Logistics plans material, never sees recipes or customers.
  logistics: ['order.read', 'item.read', 'plant.read'],
  auditor: ['order.read', 'audit.read', 'audit.witness', 'item.read', 'plant.read', 'user.read', 'policy.read', 'device.read', 'zone.read'],
  // Admins run the system, not production: no approving, releasing or executing.
  admin: ['user.read', 'user.manage', 'plant.read', 'plant.manage', 'item.read', 'item.manage', 'order.read', 'audit.read', 'policy.read', 'policy.manage', 'key.manage', 'device.manage', 'device.read', 'zone.manage', 'zone.read'],
};
