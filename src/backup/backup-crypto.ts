/**
 * The cryptography of a backup file: a passphrase key derived with scrypt (RFC 7914) wraps a
 * random data key, and the data key seals the contents in chunks with AES-256-GCM (NIST SP
 * 800-38D). Each chunk's additional data names the file's header, the chunk's index and whether
 * it is the last, so a changed header, a dropped, reordered or swapped chunk, or a cut-off
 * file fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/** scrypt's cost parameters (RFC 7914 §2): N (CPU/memory cost, a power of two), r (block size), p (parallelism). */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * The cost new backups are made with: N = 2^17, r = 8, p = 1, the OWASP Password Storage Cheat
 * Sheet's scrypt setting (about 128 MiB and a fraction of a second), because a backup file can
 * be attacked offline for as long as it exists.
 */
export const BACKUP_SCRYPT: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** The most memory a header may make scrypt use (RFC 7914 §2: about 128·N·r bytes); more is a damaged or hostile file. */
export const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** Bytes of a data key and of a passphrase key (AES-256). */
export const KEY_BYTES = 32;
/** Bytes of a salt. */
export const SALT_BYTES = 16;
// NIST SP 800-38D §8.2: 96-bit random IVs; §5.2.1.2: the full 128-bit tag.
/** Bytes of a GCM nonce. */
export const NONCE_BYTES = 12;
/** Bytes of a GCM tag. */
export const TAG_BYTES = 16;

const KEY_AAD_LABEL = 'forgeline-backup-key:v1\n';
const CHUNK_AAD_LABEL = Buffer.from('forgeline-backup-chunk:v1\n', 'utf8');

/** True when `params` are within what a backup may ask for. */
export function acceptableScrypt(params: ScryptParams): boolean {
  const { N, r, p } = params;
  return Number.isSafeInteger(N) && N >= 2 ** 14 && (N & (N - 1)) === 0
    && Number.isSafeInteger(r) && r >= 1 && r <= 32
    && Number.isSafeInteger(p) && p >= 1 && p <= 16
    && 128 * N * r <= MAX_SCRYPT_MEMORY;
}

/** Derives the 32-byte passphrase key; the passphrase is NFKC-normalized so it derives the same key whatever keyboard typed it. */
export function derivePassphraseKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, KEY_BYTES, { N, r, p, maxmem: MAX_SCRYPT_MEMORY + 16 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function keyAad(headerFields: string): Buffer {
  return Buffer.from(`${KEY_AAD_LABEL}${headerFields}`, 'utf8');
}

/** Wraps the data key under the passphrase key, bound to the header's other fields: nonce || ciphertext || tag. */
export function wrapDataKey(passphraseKey: Uint8Array, dataKey: Uint8Array, headerFields: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', passphraseKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(keyAad(headerFields));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Unwraps the data key; undefined when the passphrase is wrong or the header was changed (GCM cannot tell which). */
export function unwrapDataKey(passphraseKey: Uint8Array, wrapped: Uint8Array, headerFields: string): Buffer | undefined {
  if (wrapped.length !== NONCE_BYTES + KEY_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', passphraseKey, wrapped.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(keyAad(headerFields));
    decipher.setAuthTag(wrapped.subarray(NONCE_BYTES + KEY_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The additional data of chunk `index`: the label, the SHA-256 of the header bytes, the index (64-bit) and the final flag. */
export function chunkAad(headerDigest: Uint8Array, index: number, final: boolean): Buffer {
  const position = Buffer.alloc(9);
  position.writeBigUInt64BE(BigInt(index), 0);
  position.writeUInt8(final ? 1 : 0, 8);
  return Buffer.concat([CHUNK_AAD_LABEL, headerDigest, position]);
}

/** Seals one chunk with its own random nonce. */
export function sealChunk(dataKey: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

/** Opens one chunk; undefined when its tag does not verify (changed, moved, or from another file). */
export function openChunk(dataKey: Uint8Array, aad: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
