/**
 * The clear-text start of a backup file: the magic `FLBACKUP`, the header's length (32-bit
 * big-endian) and the header as JSON: format version, cipher, chunk size, the scrypt
 * parameters and salt, and the wrapped data key. The wrap is bound to every other field and
 * each chunk to the SHA-256 of these bytes, so a changed header opens nothing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../crypto/index.js';
import { ForgelineError } from '../domain/index.js';
import { acceptableScrypt, KEY_BYTES, NONCE_BYTES, SALT_BYTES, TAG_BYTES, type ScryptParams } from './backup-crypto.js';

/** The first bytes of every backup file. */
export const BACKUP_MAGIC = Buffer.from('FLBACKUP', 'ascii');
/** The format version this code writes and reads. */
export const BACKUP_FORMAT = 1;
/** Bytes of clear text a chunk holds, except the last: 1 MiB. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Bytes before the header JSON: magic and length. */
export const PREAMBLE_BYTES = BACKUP_MAGIC.length + 4;

const MAX_HEADER_BYTES = 64 * 1024;
const MIN_CHUNK_BYTES = 4096;
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

function base64Of(bytes: number) {
  return z.string().refine((text) => {
    const decoded = Buffer.from(text, 'base64');
    return decoded.length === bytes && decoded.toString('base64') === text;
  }, `must be ${bytes} bytes in base64`);
}

const headerSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  cipher: z.literal('aes-256-gcm'),
  chunkBytes: z.number().int().min(MIN_CHUNK_BYTES).max(MAX_CHUNK_BYTES),
  kdf: z.strictObject({ name: z.literal('scrypt'), N: z.number(), r: z.number(), p: z.number(), salt: base64Of(SALT_BYTES) })
    .refine((kdf) => acceptableScrypt(kdf), 'scrypt parameters out of range'),
  wrappedKey: base64Of(NONCE_BYTES + KEY_BYTES + TAG_BYTES),
});

/** The parsed header of a backup file. */
export type BackupHeader = z.infer<typeof headerSchema>;

/** A header and the bytes it was read from or written as. */
export interface EncodedHeader {
  readonly header: BackupHeader;
  /** Magic, length and JSON, exactly as in the file. */
  readonly bytes: Buffer;
  /** SHA-256 of {@link bytes}: what every chunk is bound to. */
  readonly digest: Buffer;
}

/** The fields the data key's wrap is bound to: every header field but the wrap itself, as RFC 8785 JSON. */
export function keyBoundFields(header: Omit<BackupHeader, 'wrappedKey'>): string {
  const { format, cipher, chunkBytes, kdf } = header;
  return canonicalJson({ format, cipher, chunkBytes, kdf });
}

/** The header of a new backup, before its key is wrapped. */
export function newHeaderFields(salt: Buffer, scrypt: ScryptParams, chunkBytes: number): Omit<BackupHeader, 'wrappedKey'> {
  return { format: BACKUP_FORMAT, cipher: 'aes-256-gcm', chunkBytes, kdf: { name: 'scrypt', N: scrypt.N, r: scrypt.r, p: scrypt.p, salt: salt.toString('base64') } };
}

/** Encodes a header as the file's first bytes. */
export function encodeHeader(header: BackupHeader): EncodedHeader {
  const json = Buffer.from(canonicalJson(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length, 0);
  const bytes = Buffer.concat([BACKUP_MAGIC, length, json]);
  return { header, bytes, digest: createHash('sha256').update(bytes).digest() };
}

function invalid(message: string): ForgelineError {
  return new ForgelineError('backup-invalid', message);
}

/** The header JSON's length from the preamble; throws `backup-invalid` when the file does not start like a backup. */
export function headerLength(file: string, preamble: Buffer): number {
  if (preamble.length < PREAMBLE_BYTES || !preamble.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) {
    throw invalid(`${file} is not a Forgeline backup (it does not start with the FLBACKUP header)`);
  }
  const length = preamble.readUInt32BE(BACKUP_MAGIC.length);
  if (length === 0 || length > MAX_HEADER_BYTES) throw invalid(`${file}: the backup header is damaged (its length ${length} is impossible)`);
  return length;
}

/** Parses the header JSON; a damaged header is `backup-invalid`, naming the first bad field. */
export function decodeHeader(file: string, preamble: Buffer, json: Buffer): EncodedHeader {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw invalid(`${file}: the backup header is damaged (not valid JSON)`);
  }
  // A newer format is worth its own message: the file may be fine, this Forgeline is too old.
  if (typeof value === 'object' && value !== null && 'format' in value && typeof value.format === 'number' && value.format > BACKUP_FORMAT) {
    throw invalid(`${file} is a backup of format ${value.format}; this Forgeline reads format ${BACKUP_FORMAT}: restore it with a newer Forgeline`);
  }
  const parsed = headerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${file}: the backup header is damaged at ${issue?.path.join('.') || 'the top level'}`);
  }
  const bytes = Buffer.concat([preamble, json]);
  return { header: parsed.data, bytes, digest: createHash('sha256').update(bytes).digest() };
}
