/**
 * Field-level envelope encryption (issue 5 point 4): a confidential field is sealed with
 * AES-256-GCM under a data key, and the keyring wraps that data key. The additional
 * authenticated data binds each ciphertext to its order, revision and field, so a
 * ciphertext copied to another place does not decrypt there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ForgelineError } from '../domain/index.js';
import { canonicalJson } from './canonical-json.js';

/** What a ciphertext is bound to: moving it to another order, revision or field fails to decrypt. */
export interface FieldBinding {
  readonly orderId: string;
  readonly revision: number;
  readonly field: string;
}

const SEALED_PREFIX = 'fle1';
const DATA_KEY_BYTES = 32;
// NIST SP 800-38D §8.2: 96-bit random IVs; §5.2.1.2: the full 128-bit tag.
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Unpadded base64url (RFC 4648 §5), the alphabet of every part of a sealed field.
const BASE64URL = /^[A-Za-z0-9_-]*$/;
// With the `u` flag a surrogate range only matches lone surrogates, which UTF-8 cannot carry.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A fresh data key: 32 random bytes from the OS CSPRNG, for AES-256-GCM. */
export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/**
 * Seals `plaintext` with AES-256-GCM under `dataKey`, bound to `binding`, as
 * `"fle1.<iv>.<ciphertext>.<tag>"` (unpadded base64url parts, 12-byte IV, 16-byte tag).
 * A fresh random IV is drawn for every call.
 */
export function encryptField(dataKey: Uint8Array, plaintext: string, binding: FieldBinding): string {
  checkDataKey(dataKey);
  if (typeof plaintext !== 'string') throw new TypeError('the plaintext of a field must be a string');
  if (LONE_SURROGATE.test(plaintext)) throw new TypeError('the plaintext of a field contains a lone surrogate, which UTF-8 cannot represent');
  const aad = bindingAad(binding);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEALED_PREFIX, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/**
 * Opens a field sealed by {@link encryptField}. Any failure (malformed text, wrong key,
 * a changed byte, another order, revision or field) throws `decryption-failed`; it never
 * returns anything but the original plaintext.
 */
export function decryptField(dataKey: Uint8Array, sealed: string, binding: FieldBinding): string {
  checkDataKey(dataKey);
  const aad = bindingAad(binding);
  const parts = parseSealed(sealed);
  if (parts === undefined) throw notDecrypted(binding);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(parts.tag);
    const plaintext = Buffer.concat([decipher.update(parts.body), decipher.final()]);
    return STRICT_UTF8.decode(plaintext);
  } catch {
    throw notDecrypted(binding);
  }
}

/** True when `value` looks like a sealed field (`fle1.` and four parts); says nothing about whether it decrypts. */
export function isSealedField(value: string): boolean {
  return typeof value === 'string' && value.startsWith(`${SEALED_PREFIX}.`) && value.split('.').length === 4;
}

function checkDataKey(dataKey: Uint8Array): void {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_BYTES) {
    throw new TypeError(`a data key must be ${DATA_KEY_BYTES} bytes`);
  }
}

function bindingAad(binding: FieldBinding): Buffer {
  const { orderId, revision, field } = binding;
  if (typeof orderId !== 'string' || orderId === '') throw new TypeError('a field binding needs a non-empty orderId');
  if (!Number.isSafeInteger(revision) || revision < 0) throw new TypeError('a field binding needs a revision that is a non-negative integer');
  if (typeof field !== 'string' || field === '') throw new TypeError('a field binding needs a non-empty field name');
  // RFC 8785 canonical JSON: one exact byte sequence per binding, whatever the key order.
  return Buffer.from(canonicalJson({ v: 1, orderId, revision, field }), 'utf8');
}

function parseSealed(sealed: string): { iv: Buffer; body: Buffer; tag: Buffer } | undefined {
  if (typeof sealed !== 'string') return undefined;
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== SEALED_PREFIX) return undefined;
  const [iv, body, tag] = parts.slice(1).map(decodeBase64Url);
  if (iv === undefined || body === undefined || tag === undefined) return undefined;
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  return { iv, body, tag };
}

// Strict: Buffer.from silently skips stray characters, so the text must be the canonical encoding.
function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function notDecrypted(binding: FieldBinding): ForgelineError {
  return new ForgelineError(
    'decryption-failed',
    `the ${binding.field} of order ${binding.orderId} revision ${binding.revision} could not be decrypted: wrong key, or the ciphertext was changed or moved`,
  );
}
