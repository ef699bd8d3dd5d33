/**
 * The keyring's two refusals, told apart from every other failure: a key-encryption key this
 * process does not hold (`keyring-unavailable`) and a wrapped key or ciphertext that does not
 * authenticate (`decryption-failed`). They are the operator's matter (which keyring the server
 * runs with, a damaged row), answered and audited as such; anything else is unexpected.
 */
import { ForgelineError } from '../domain/index.js';

/** The codes of {@link isKeyringFailure}. */
export const KEYRING_FAILURE_CODES = ['keyring-unavailable', 'decryption-failed'] as const;

/** True when `error` is one of the keyring's refusals ({@link KEYRING_FAILURE_CODES}). */
export function isKeyringFailure(error: unknown): error is ForgelineError & { readonly code: (typeof KEYRING_FAILURE_CODES)[number] } {
  return error instanceof ForgelineError && (KEYRING_FAILURE_CODES as readonly string[]).includes(error.code);
}
