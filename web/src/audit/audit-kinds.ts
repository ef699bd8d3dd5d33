/** The audit log's entry kinds and outcomes, for the filters (the server's list is src/audit/audit-kinds.ts; a test keeps them equal). */

/** Every kind of audit entry, in the server's order. */
export const AUDIT_KINDS = [
  'session.create', 'session.revoke', 'user.create', 'user.disable', 'user.enable', 'user.password-change', 'user.role-change',
  'mfa.enrol', 'mfa.confirm', 'mfa.disable', 'mfa.reset', 'mfa.recovery-codes', 'session.lockout', 'policy.update',
  'plant.import', 'plant.time-update', 'item.create', 'order.create', 'order.read-confidential', 'order.edit', 'order.submit',
  'order.release', 'order.dispatch', 'order.start', 'order.pause', 'order.resume', 'order.progress', 'order.complete',
  'order.close', 'order.hold', 'order.unhold', 'order.cancel', 'audit.read', 'audit.export', 'token.create',
  'token.revoke', 'token.authenticate', 'key.create', 'key.rotate', 'key.revoke', 'tls.import', 'backup.create',
  'key.rotate-kek', 'order.read-jws', 'order.jws-refused', 'device.create', 'device.enrolment-token', 'device.enrol',
  'device.renew', 'device.revoke', 'device.certificate-refused', 'zone.update', 'device.connect', 'device.report',
  'device.order-refused', 'mqtt.message-refused',
] as const;

/** One of {@link AUDIT_KINDS}. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Whether the audited attempt happened (ok) or was refused (denied). */
export const AUDIT_OUTCOMES = ['ok', 'denied'] as const;
