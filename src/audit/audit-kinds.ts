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
  // A disabled user let back in by an admin (their roles kept; sessions ended at the disable stay ended).
  'user.enable',
  'user.password-change',
  // Issue 4, MFA and account protection: enrolment shown, confirmed, disabled by its owner, reset by an admin,
  // recovery codes replaced; a sign-in key locked after repeated failures; roles replaced; the site policy changed.
  'user.role-change',
  'mfa.enrol',
  'mfa.confirm',
  'mfa.disable',
  'mfa.reset',
  'mfa.recovery-codes',
  'session.lockout',
  'policy.update',
  'plant.import',
  // The plant's time zone and shift starts changed (issue 7 point 10).
  'plant.time-update',
  'item.create',
  'order.create',
  'order.read-confidential',
  ...ORDER_ACTIONS.map((action) => `order.${action}` as const),
  'audit.read',
  'audit.export',
  // API tokens (issue 4 point 7): minted, revoked, and a known token refused (revoked, expired, user disabled). Never the token itself.
  'token.create',
  'token.revoke',
  'token.authenticate',
  // Order-signing keys (issue 5 point 3): made (at init or by rotation), retired by rotation, revoked as compromised;
  // a released order's JWS read; a JWS refused (revoked key, expired, wrong audience, tampered).
  'key.create',
  'key.rotate',
  'key.revoke',
  // An operator's TLS server certificate imported into the data folder (issue 5 point 5).
  'tls.import',
  // A backup taken (issue 5 point 7): recorded in the log it copies, before the copy.
  'backup.create',
  // The keyring's key-encryption key replaced and every wrapped key re-wrapped with it (issue 5 point 4).
  'key.rotate-kek',
  'order.read-jws',
  'order.jws-refused',
  // Devices (issue 5 point 6): registered, an enrolment token minted (never the token), a certificate issued by
  // enrolment or renewal, a device revoked with its certificates; a client certificate refused (unknown, expired, revoked).
  'device.create',
  'device.enrolment-token',
  'device.enrol',
  'device.renew',
  'device.revoke',
  'device.certificate-refused',
  // The shop floor (issue 6): zones and conduits replaced; a device's connection to receive orders (ok) or one refused by
  // zone or conduit (denied); a report from a device applied (ok) or refused (denied: bad signature, order not
  // dispatched to it, a client mistake); an order the agent refused (tampered, replayed, expired, ...), as it reported;
  // a broker message refused (malformed, oversized, wrong topic).
  'zone.update',
  'device.connect',
  'device.report',
  'device.order-refused',
  'mqtt.message-refused',
] as const;

/** One of {@link AUDIT_KINDS}. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Whether the audited attempt happened or was refused. */
export const AUDIT_OUTCOMES = ['ok', 'denied'] as const;

/** One of {@link AUDIT_OUTCOMES}. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
