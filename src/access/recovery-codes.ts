/**
 * Single-use recovery codes for when the authenticator is lost: shown once,
 * stored as hashes, each struck out by the caller after it is used.
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual, sha256Hex } from '../crypto/index.js';

/** How many codes a user is given at a time. */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32 alphabet: no I, L, O or U, so nothing reads as 1, 0 or another letter.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GROUPS = 3;
const GROUP_LENGTH = 4;
const CODE_LENGTH = GROUPS * GROUP_LENGTH; // 12 characters of 5 bits: 60 bits each
// Letters outside the alphabet that people type for the digits they resemble (Crockford).
const LOOKALIKES: Readonly<Record<string, string>> = { i: '1', l: '1', o: '0' };

/** Fresh recovery codes like `7k2m-q9x4-h3tp`, each 60 random bits, none repeated. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
    const chars = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]!).join('');
    const groups = Array.from({ length: GROUPS }, (_, i) => chars.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH));
    codes.add(groups.join('-'));
  }
  return [...codes];
}

/**
 * The canonical form of a typed code: lowercase, without spaces or dashes,
 * lookalike letters read as digits; null when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/[ilo]/g, (char) => LOOKALIKES[char]!);
  if (compact.length !== CODE_LENGTH) return null;
  for (const char of compact) if (!ALPHABET.includes(char)) return null;
  return compact;
}

/**
 * The value stored for a code: hex SHA-256 of its canonical form. The codes
 * carry 60 random bits, so a fast unsalted hash is enough (like `hashToken`).
 */
export function hashRecoveryCode(code: string): string {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) throw new RangeError('not a recovery code');
  return sha256Hex(normalized);
}

/**
 * Index of the stored hash that `input` matches, or -1. Every hash is compared
 * in constant time, so timing tells neither whether nor where it matched.
 */
export function matchRecoveryCode(hashes: readonly string[], input: string): number {
  const normalized = normalizeRecoveryCode(input);
  if (normalized === null) return -1;
  const candidate = sha256Hex(normalized);
  let found = -1;
  hashes.forEach((hash, index) => {
    if (constantTimeEqual(hash, candidate) && found < 0) found = index;
  });
  return found;
}
