import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/domain/index.js';

describe('error codes', () => {
  it('are the pinned list: scripts match on them, so none is renamed silently', () => {
    expect(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]))).toEqual({
      'validation-failed': 400,
      'malformed-json': 400,
      'forbidden-key': 400,
      'unsupported-media-type': 415,
      'body-too-large': 413,
      unauthenticated: 401,
      'invalid-credentials': 401,
      'mfa-required': 401,
      'mfa-invalid': 401,
      'too-many-attempts': 429,
      'rate-limited': 429,
      'signature-failed': 403,
      forbidden: 403,
      'separation-of-duties': 403,
      'password-change-required': 403,
      'mfa-enrollment-required': 403,
      'not-found': 404,
      'route-not-found': 404,
      'illegal-transition': 409,
      'stale-version': 409,
      conflict: 409,
      'idempotency-key-reused': 422,
      'unknown-reference': 422,
      'password-rejected': 422,
      'role-conflict': 422,
      'jws-invalid': 422,
      'key-unknown': 422,
      'key-revoked': 422,
      'order-expired': 422,
      'audience-mismatch': 422,
      'content-mismatch': 422,
      'enrolment-token-invalid': 401,
      'csr-invalid': 422,
      'certificate-revoked': 403,
      'certificate-invalid': 401,
      'backup-invalid': 422,
      'audit-integrity': 500,
      'decryption-failed': 500,
      'keyring-unavailable': 503,
      internal: 500,
    });
  });
});
