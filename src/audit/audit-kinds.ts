/**
 * The kinds of audit entry, one list. Services write only these; tests assert them.
 * Each kind is written with outcome `ok` for what happened or `denied` for what was refused.
 */
export const AUDIT_KINDS = [
  'session.create',
  'session.revoke',
  'user.create',
  'user.disable',
  'user.password-change',
  'plant.import',
  'item.create',
  'order.create',
  'order.read-confidential',
  'order.edit',
  'order.submit',
  'order.release',
  'order.dispatch',
  'order.start',
  'order.pause',
  'order.resume',
  'order.progress',
  'order.complete',
  'order.close',
  'order.hold',
  'order.unhold',
  'order.cancel',
  'audit.read',
] as const;

/** One of {@link AUDIT_KINDS}. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Whether the audited attempt happened or was refused. */
export const AUDIT_OUTCOMES = ['ok', 'denied'] as const;

/** One of {@link AUDIT_OUTCOMES}. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
