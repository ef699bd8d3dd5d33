import { ORDER_ACTIONS } from '../domain/index.js';

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
  ...ORDER_ACTIONS.map((action) => `order.${action}` as const),
  'audit.read',
  'audit.export',
] as const;

/** One of {@link AUDIT_KINDS}. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Whether the audited attempt happened or was refused. */
export const AUDIT_OUTCOMES = ['ok', 'denied'] as const;

/** One of {@link AUDIT_OUTCOMES}. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
