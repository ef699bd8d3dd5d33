/**
 * TOTP secrets at rest (`users.mfa_secret`, `users.mfa_pending_secret`): wrapped by the data
 * folder's keyring, so a copy of the `users` table no longer lets anyone compute an enrolled
 * user's codes. Stored as `w1:<kek id>:<wrapped>`; a value from before (40 hex characters, the
 * 20-byte secret) is still read, and re-wrapped by `keys rotate-kek`.
 */
import type { Keyring } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';

const SEALED = /^w1:(.+):([A-Za-z0-9_-]+)$/;
const PLAIN_HEX = /^[0-9a-f]+$/i;

/** The stored form of a TOTP secret: wrapped by the keyring's active KEK, or hex without a keyring (tools and unit tests only). */
export async function sealTotpSecret(keyring: Keyring | undefined, secret: Buffer): Promise<string> {
  if (keyring === undefined) return secret.toString('hex');
  const wrapped = await keyring.wrap(secret);
  return `w1:${wrapped.kekId}:${wrapped.wrapped}`;
}

/** The TOTP secret of a stored value; a wrapped one needs the keyring that wrapped it. */
export async function openTotpSecret(keyring: Keyring | undefined, stored: string): Promise<Buffer> {
  if (PLAIN_HEX.test(stored)) return Buffer.from(stored, 'hex');
  const match = SEALED.exec(stored);
  if (match === null) throw new ForgelineError('decryption-failed', 'a stored second-factor secret is damaged');
  if (keyring === undefined) throw new ForgelineError('keyring-unavailable', 'second-factor secrets are wrapped by the keyring, which this process does not have');
  return keyring.unwrap({ kekId: match[1] ?? '', wrapped: match[2] ?? '' });
}

/** Whether a stored value is wrapped by `kekId` (rotation re-wraps the others). */
export function totpSecretWrappedBy(stored: string, kekId: string): boolean {
  return SEALED.exec(stored)?.[1] === kekId;
}
