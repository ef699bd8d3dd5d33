/** SHA-256 (FIPS 180-4) as lowercase hex, the digest form Forgeline stores and compares. */
import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of `data`; strings are hashed as their UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
