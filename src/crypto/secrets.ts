/** Bearer secrets: generated once, shown once, stored only as a hash, compared in constant time. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from './sha256.js';

/** Largest token `randomToken` makes; more is a mistake, not extra security. */
const MAX_TOKEN_BYTES = 1024;

/**
 * A fresh random secret of `bytes` bytes from the OS CSPRNG, as base64url
 * without padding (RFC 4648 §5), safe in URLs, headers and cookies.
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_TOKEN_BYTES) {
    throw new RangeError(`token size must be an integer from 1 to ${MAX_TOKEN_BYTES} bytes, got ${bytes}`);
  }
  return randomBytes(bytes).toString('base64url');
}

/**
 * The value to store in place of a bearer token (session, API token): hex
 * SHA-256 of its UTF-8 bytes. Tokens carry 256 random bits, so a plain hash
 * (no salt, no slow KDF) is enough and allows lookup by hash.
 */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * Compares two secrets without leaking where they differ. Strings of different
 * UTF-8 length are unequal (only the length can leak); never throws.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual throws on unequal lengths, so that case is answered first.
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
