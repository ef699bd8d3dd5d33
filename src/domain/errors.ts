/**
 * The stable error codes users and scripts see (problem+json `code`, CLI messages).
 * Add freely; never rename: plants' scripts match on them. A test pins this list.
 */
export const ERROR_CODES = {
  'validation-failed': { status: 400, title: 'The request is not valid' },
  'malformed-json': { status: 400, title: 'The body is not well-formed JSON' },
  'forbidden-key': { status: 400, title: 'The body contains a forbidden key (__proto__ or constructor)' },
  'unsupported-media-type': { status: 415, title: 'The body must be application/json' },
  'body-too-large': { status: 413, title: 'The body is larger than allowed' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  'invalid-credentials': { status: 401, title: 'The username or password is wrong' },
  'mfa-required': { status: 401, title: 'A one-time code from your authenticator (or a recovery code) is required' },
  'mfa-invalid': { status: 401, title: 'The one-time code is wrong, expired or already used' },
  'too-many-attempts': { status: 429, title: 'Too many failed attempts; wait and try again' },
  'rate-limited': { status: 429, title: 'Too many requests; slow down' },
  'signature-failed': { status: 403, title: 'The electronic signature could not be verified' },
  forbidden: { status: 403, title: 'You may not do this' },
  'separation-of-duties': { status: 403, title: 'Separation of duties forbids this' },
  'password-change-required': { status: 403, title: 'Change your one-time password first' },
  'mfa-enrollment-required': { status: 403, title: 'Enrol a second factor (TOTP) first' },
  'csrf-failed': { status: 403, title: 'The request lacks the CSRF token of its browser session, or comes from another site' },
  'not-found': { status: 404, title: 'Not found' },
  'route-not-found': { status: 404, title: 'No such endpoint' },
  'illegal-transition': { status: 409, title: 'The order is not in a state that allows this' },
  'stale-version': { status: 409, title: 'The order changed since you read it' },
  conflict: { status: 409, title: 'It already exists' },
  'idempotency-key-reused': { status: 422, title: 'The idempotency key was used for a different request' },
  'unknown-reference': { status: 422, title: 'The request names something that does not exist' },
  'password-rejected': { status: 422, title: 'The password does not meet the password policy' },
  'role-conflict': { status: 422, title: 'The site policy forbids holding these roles together in one scope' },
  'jws-invalid': { status: 422, title: 'The signed order is malformed, uses another algorithm, or its signature does not verify' },
  'key-unknown': { status: 422, title: 'The signing key is not known' },
  'key-revoked': { status: 422, title: 'The signing key was revoked before this was signed' },
  'order-expired': { status: 422, title: 'The signed order has expired' },
  'audience-mismatch': { status: 422, title: 'The signed order is for another work center' },
  'content-mismatch': { status: 422, title: 'The signed content does not match its content hash' },
  'order-replayed': { status: 409, title: 'This signed order was accepted before; a replay is refused' },
  'enrolment-token-invalid': { status: 401, title: 'The enrolment token is unknown, expired, already used, or for another work center' },
  'csr-invalid': { status: 422, title: 'The certificate signing request is malformed or does not match its enrolment token' },
  'certificate-revoked': { status: 403, title: 'The client certificate is revoked' },
  'certificate-invalid': { status: 401, title: 'The client certificate is missing, expired, or not issued by this Forgeline' },
  'backup-invalid': { status: 422, title: 'The backup file is damaged, incomplete, or cannot be decrypted' },
  'conduit-refused': { status: 403, title: 'The order or device is in no zone, or no conduit permits this flow between the server and its zone' },
  'report-signature-invalid': { status: 422, title: 'The device report is not signed by the key of the device that sent it' },
  'report-not-dispatched': { status: 403, title: 'The report names an order that was not dispatched to this device' },
  'message-refused': { status: 422, title: 'The message is malformed, oversized, or on a topic its sender may not use' },
  'audit-integrity': { status: 500, title: 'The stored audit log no longer matches its signed checkpoints' },
  'decryption-failed': { status: 500, title: 'Stored encrypted data could not be decrypted with the keyring' },
  'keyring-unavailable': { status: 503, title: 'The key-encryption key is not available' },
  'ui-not-built': { status: 503, title: 'The web UI is not built' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** A field-level problem, as listed in a validation error. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * An expected failure that reaches the user: a stable code, a message safe to show,
 * and optionally the field problems. Internal detail never goes in here.
 */
export class ForgelineError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly problems: readonly FieldProblem[];
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, options: { problems?: readonly FieldProblem[]; extensions?: Record<string, unknown> } = {}) {
    super(message ?? ERROR_CODES[code].title);
    this.name = 'ForgelineError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.problems = options.problems ?? [];
    this.extensions = options.extensions ?? {};
  }
}

/** True for a {@link ForgelineError}. */
export function isForgelineError(error: unknown): error is ForgelineError {
  return error instanceof ForgelineError;
}
