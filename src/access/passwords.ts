import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id at the OWASP Password Storage Cheat Sheet's
 * first recommended setting (m=19 MiB, t=2, p=1).
 */
export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Shortest password accepted (NIST SP 800-63B: at least 8; we ask 12, no composition rules). */
export const MIN_PASSWORD_LENGTH = 12;

/** Hashes a password into a PHC string that carries its own salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Checks a password against a stored PHC hash; false for a malformed hash instead of throwing. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

// A hash of a password nobody knows: checked when the account does not exist, so a
// missing account costs the same time as a wrong password and is not revealed by timing.
let decoyHash: Promise<string> | undefined;

/** Spends the time of one verification without an account, for timing parity. */
export async function verifyDecoy(password: string): Promise<false> {
  decoyHash ??= hashPassword('decoy-password-for-timing-parity');
  await verifyPassword(await decoyHash, password);
  return false;
}
