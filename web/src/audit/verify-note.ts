/**
 * C2SP signed notes and tlog checkpoints in the browser, as the server's
 * src/audit/signed-note.ts and checkpoint.ts read them: the verifier key line
 * `<name>+<hex key ID>+<base64(0x01 || key)>`, the note `text \n — <name> base64(keyID || sig)`,
 * and the checkpoint text `origin \n size \n base64(root) \n [extensions]`.
 * Every function answers a value or a message safe to show; none throws on input.
 */
import { decodeBase64, ed25519Verify, sha256, utf8, type Bytes } from './verify-bytes.js';

/** Plain Ed25519 note signatures (signed-note "Signature types"). */
const ED25519_SIGNATURE_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
// Go's unicode.IsSpace is the Unicode White_Space property; `+` separates the key line's parts.
const NAME_FORBIDDEN = /[\p{White_Space}+\p{Cc}]/u;
const SIZE = /^(?:0|[1-9][0-9]{0,18})$/;

/** A value, or the message that says why there is none. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** The log's verifier key: its name (the checkpoint origin), key ID, and raw 32-byte Ed25519 key. */
export interface LogKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Bytes;
}

/**
 * Key ID = SHA-256(name || 0x0A || type || public key)[:4] as a big-endian uint32 (signed-note
 * "Signatures"); the type is 0x01 for the log's Ed25519 key, 0x04 for a witness's cosignature key.
 */
export async function noteKeyId(name: string, publicKey: Uint8Array, signatureType: number = ED25519_SIGNATURE_TYPE): Promise<number> {
  const digest = await sha256(utf8(`${name}\n`), Uint8Array.of(signatureType), publicKey);
  return new DataView(digest.buffer).getUint32(0);
}

/** A key ID as the 8 lowercase hex digits of key lines. */
export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** Reads the verifier key line of `GET /api/v1/audit/key`, checking its key ID against the key. */
export async function parseVerifierKey(line: string): Promise<Checked<LogKey>> {
  const [name = '', id = '', ...rest] = line.trim().split('+');
  // base64 may itself hold '+', so everything after the second '+' is the key.
  const bytes = decodeBase64(rest.join('+'));
  if (name === '' || NAME_FORBIDDEN.test(name) || !/^[0-9a-f]{8}$/.test(id) || bytes === undefined || bytes.length === 0) {
    return fail('The log\'s verifier key is not <name>+<8 hex digits>+<base64 key>.');
  }
  if (bytes[0] !== ED25519_SIGNATURE_TYPE) return fail(`The log's verifier key ${name}+${id} is not an Ed25519 (type 0x01) key.`);
  const publicKey = bytes.slice(1);
  if (publicKey.length !== 32) return fail(`The log's verifier key ${name}+${id} does not hold 32 bytes.`);
  const keyId = await noteKeyId(name, publicKey);
  if (keyIdHex(keyId) !== id) return fail(`The log's verifier key ID ${id} does not match its key (${keyIdHex(keyId)}).`);
  return { ok: true, value: { name, keyId, publicKey } };
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Bytes;
}

/** Splits a note at its last blank line into the signed text and its signature lines. */
export function parseNote(note: string): Checked<{ readonly text: string; readonly signatures: readonly NoteSignature[] }> {
  const split = note.lastIndexOf('\n\n');
  const block = note.slice(split + 2);
  if (split < 0 || block === '' || !block.endsWith('\n')) return fail('The checkpoint is not a signed note: it has no signature block after a blank line.');
  const signatures: NoteSignature[] = [];
  for (const line of block.slice(0, -1).split('\n')) {
    const space = line.indexOf(' ', SIGNATURE_PREFIX.length);
    const name = line.slice(SIGNATURE_PREFIX.length, space);
    const bytes = decodeBase64(line.slice(space + 1));
    if (!line.startsWith(SIGNATURE_PREFIX) || space < 0 || name === '' || bytes === undefined || bytes.length < 5) {
      return fail('A signature line of the checkpoint is not "— <key name> <base64 signature>".');
    }
    signatures.push({ name, keyId: new DataView(bytes.buffer).getUint32(0), signature: bytes.slice(4) });
  }
  return { ok: true, value: { text: note.slice(0, split + 1), signatures } };
}

/**
 * Verifies the note's signature by the log's key: at least one line names the key (name and ID),
 * and every such line verifies over the note text (signed-note "Signatures"). Answers the text.
 */
export async function verifyNote(note: string, key: LogKey): Promise<Checked<string>> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const label = `${key.name}+${keyIdHex(key.keyId)}`;
  const lines = parsed.value.signatures.filter((line) => line.name === key.name && line.keyId === key.keyId);
  if (lines.length === 0) return fail(`The checkpoint is not signed by the log's key ${label}.`);
  const message = utf8(parsed.value.text);
  for (const line of lines) {
    if (!(await ed25519Verify(key.publicKey, line.signature, message))) return fail(`The checkpoint's signature by ${label} does not verify.`);
  }
  return { ok: true, value: parsed.value.text };
}

/** A checkpoint's body (tlog-checkpoint "Note text"). */
export interface CheckpointBody {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Bytes;
}

/** Reads a checkpoint's text strictly; sizes past 2^53 are refused, since no log here grows that large. */
export function parseCheckpoint(text: string): Checked<CheckpointBody> {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : [];
  const [origin = '', size = '', hash = ''] = lines;
  if (lines.length < 3 || origin === '') return fail('The checkpoint does not hold an origin, a tree size and a root hash.');
  if (!SIZE.test(size) || !Number.isSafeInteger(Number(size))) return fail(`The checkpoint's tree size "${size}" is not a whole number.`);
  const rootHash = decodeBase64(hash);
  if (rootHash?.length !== 32) return fail('The checkpoint\'s root hash is not the base64 of 32 bytes.');
  return { ok: true, value: { origin, size: Number(size), rootHash } };
}

