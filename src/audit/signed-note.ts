/**
 * C2SP signed notes (c2sp.org/signed-note, golang.org/x/mod/sumdb/note): a text
 * followed by a blank line and `— <key name> base64(key ID || signature)` lines.
 * Ed25519 only, through node:crypto. Pure: keys come in as KeyObjects or bytes.
 */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

/** Signature type bytes this module knows (signed-note "Signature types"): Ed25519 and cosignature/v1. */
export const NOTE_SIGNATURE_TYPES = [0x01, 0x04] as const;
/** One of {@link NOTE_SIGNATURE_TYPES}. */
export type NoteSignatureType = (typeof NOTE_SIGNATURE_TYPES)[number];
/** Plain Ed25519 note signatures (signed-note "Ed25519 signatures"). */
export const ED25519_SIGNATURE_TYPE = 0x01;

/** Most signature lines a note may carry; note.go refuses more than 100, the spec asks for at least 16. */
export const MAX_NOTE_SIGNATURES = 100;
/** Largest note accepted, in UTF-8 bytes (the spec's "or, equivalently, the overall size"); note.go sets none. */
export const MAX_NOTE_BYTES = 1024 * 1024;

/** Stable codes of note and key failures. Add freely; never rename (a test pins the list). */
export const NOTE_ERROR_CODES = [
  'note-malformed',
  'note-too-large',
  'note-too-many-signatures',
  'note-unknown-key',
  'note-bad-signature',
  'note-ambiguous-key',
  'key-malformed',
  'key-id-mismatch',
  'key-wrong-algorithm',
  'signer-invalid',
] as const;
/** One of {@link NOTE_ERROR_CODES}. */
export type NoteErrorCode = (typeof NOTE_ERROR_CODES)[number];

/** What failed, as a value: a stable code, a message safe to show, and the key (`name+hexid`) when one is involved. */
export interface NoteFailure<C extends string = NoteErrorCode> {
  readonly code: C;
  readonly message: string;
  readonly key?: string;
}
/** Either the value or the failure: outside input (notes, key lines) never makes these functions throw. */
export type NoteResult<T, C extends string = NoteErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: NoteFailure<C> };

/** The thrown form of a {@link NoteFailure}, for inputs that are the caller's bug (signing a malformed text). */
export class NoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'NoteError';
  }
}

/** Signs note texts with one key; `sign` returns the raw signature (without key ID) over the given bytes. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}
/** Verifies signatures of one key, identified by name and key ID; `publicKey` is the raw key. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}
/** One signature line: key name, key ID, the signature bytes after the ID, and the line's base64 as written. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
  readonly base64: string;
}
/** A note split into its text and signature lines, none of them verified yet. */
export interface ParsedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}
/** A note whose signatures from known keys all verified; `unverified` are lines from keys not known. */
export interface OpenedNote {
  readonly text: string;
  readonly verified: readonly NoteSignature[];
  readonly unverified: readonly NoteSignature[];
}

const failure = <C extends string>(code: C, message: string, key?: string): { ok: false; error: NoteFailure<C> } => ({
  ok: false,
  error: key === undefined ? { code, message } : { code, message, key },
});

const SIGNATURE_PREFIX = '\u2014 ';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// Go's unicode.IsSpace is exactly the Unicode White_Space property; control characters could not appear in a note anyway.
const NAME_FORBIDDEN = /[\p{White_Space}+\p{Cc}]/u;
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Strict RFC 4648 §4 base64: right alphabet, padding, and zero trailing bits (one encoding per byte string). */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? Uint8Array.from(bytes) : undefined;
}

/** Whether `name` is a valid key name: non-empty, no Unicode spaces, no `+` (signed-note "Format"), no control characters. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !NAME_FORBIDDEN.test(name) && !LONE_SURROGATE.test(name);
}

/** Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4] as a big-endian uint32 (signed-note "Signatures"). */
export function keyId(name: string, publicKey: Uint8Array, signatureType: NoteSignatureType = ED25519_SIGNATURE_TYPE): number {
  return createHash('sha256').update(`${name}\n`, 'utf8').update(Uint8Array.of(signatureType)).update(publicKey).digest().readUInt32BE(0);
}

/** Key ID as the 8 lowercase hex digits used in key lines and messages. */
export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** The 32 raw bytes (RFC 8032) of the public half of an Ed25519 KeyObject, public or private. */
export function ed25519PublicKeyBytes(key: KeyObject): Uint8Array {
  if (key.asymmetricKeyType !== 'ed25519') throw new NoteError('key-wrong-algorithm', 'the key is not an Ed25519 key');
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  return Uint8Array.from(Buffer.from(jwk.x ?? '', 'base64url'));
}

// The small-order points (libsodium's list, sign bit ignored): RFC 8032 verification under such a
// key accepts signatures nobody made, so a key line holding one is refused.
const SMALL_ORDER_KEYS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

/** Whether `publicKey` is not a usable Ed25519 key: not 32 bytes, or a small-order point anyone can forge for. */
export function isWeakEd25519Key(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return true;
  const masked = Buffer.from(publicKey);
  masked.writeUInt8(masked.readUInt8(31) & 0x7f, 31);
  return SMALL_ORDER_KEYS.includes(masked.toString('hex'));
}

/** A node:crypto key for a raw Ed25519 public key; throws {@link NoteError} on a weak key ({@link isWeakEd25519Key}). */
export function ed25519PublicKey(publicKey: Uint8Array): KeyObject {
  if (isWeakEd25519Key(publicKey)) throw new NoteError('key-malformed', 'an Ed25519 public key must be 32 bytes and not of small order');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
}

/** A verifier for plain Ed25519 note signatures (type 0x01, RFC 8032 over the note text) by the named key. */
export function ed25519Verifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  const raw = publicKey instanceof Uint8Array ? Uint8Array.from(publicKey) : ed25519PublicKeyBytes(publicKey);
  if (!isValidKeyName(name)) throw new NoteError('key-malformed', 'the key name is empty or contains a space, + or a control character');
  const key = ed25519PublicKey(raw);
  return { name, keyId: keyId(name, raw), publicKey: raw, verify: (message, signature) => ed25519Verify(key, message, signature) };
}

/** RFC 8032 verification that answers false, never throws, on a malformed signature. */
export function ed25519Verify(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** A signer for plain Ed25519 note signatures (type 0x01) by `privateKey` under `name`. */
export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.type !== 'private') throw new NoteError('signer-invalid', 'a signer needs a private key');
  const publicKey = ed25519PublicKeyBytes(privateKey);
  if (!isValidKeyName(name)) throw new NoteError('signer-invalid', 'the key name is empty or contains a space, + or a control character');
  return { name, keyId: keyId(name, publicKey), sign: (message) => Uint8Array.from(sign(null, message, privateKey)) };
}

/** The verifier key line `<name>+<hex key ID>+<base64(type || 32-byte key)>` to publish. */
export function verifierKey(name: string, publicKey: KeyObject | Uint8Array, signatureType: NoteSignatureType = ED25519_SIGNATURE_TYPE): string {
  const raw = publicKey instanceof Uint8Array ? publicKey : ed25519PublicKeyBytes(publicKey);
  if (!isValidKeyName(name) || isWeakEd25519Key(raw)) throw new NoteError('key-malformed', 'a verifier key needs a valid name and a strong 32-byte key');
  const encoded = Buffer.concat([Uint8Array.of(signatureType), raw]).toString('base64');
  return `${name}+${keyIdHex(keyId(name, raw, signatureType))}+${encoded}`;
}

/** A decoded verifier key line: name, key ID and raw 32-byte Ed25519 key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

/**
 * Decodes a verifier key line, pinned to `signatureType`: the name must be valid, the ID
 * 8 lowercase hex digits equal to the key's ID, the type byte the expected one, the key 32 bytes.
 */
export function decodeVerifierKey(line: string, signatureType: NoteSignatureType = ED25519_SIGNATURE_TYPE): NoteResult<VerifierKey> {
  const [name = '', id = '', ...rest] = line.split('+');
  // base64 may itself contain '+', so everything after the second '+' is the key.
  const bytes = decodeBase64(rest.join('+'));
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(id) || bytes === undefined || bytes.length === 0) {
    return failure('key-malformed', 'the verifier key is not <name>+<8 hex digits>+<base64 key>');
  }
  if (bytes[0] !== signatureType) return failure('key-wrong-algorithm', `the verifier key is not of signature type 0x0${signatureType}`, `${name}+${id}`);
  const publicKey = bytes.subarray(1);
  if (isWeakEd25519Key(publicKey)) return failure('key-malformed', 'an Ed25519 verifier key holds 32 bytes, not a small-order point', `${name}+${id}`);
  const computed = keyId(name, publicKey, signatureType);
  if (keyIdHex(computed) !== id) return failure('key-id-mismatch', `the key ID ${id} does not match the key`, `${name}+${id}`);
  return { ok: true, value: { name, keyId: computed, publicKey } };
}

/** Parses a plain Ed25519 (type 0x01) verifier key line into a verifier, as note.NewVerifier does. */
export function parseVerifierKey(line: string): NoteResult<NoteVerifier> {
  const decoded = decodeVerifierKey(line);
  return decoded.ok ? { ok: true, value: ed25519Verifier(decoded.value.name, decoded.value.publicKey) } : decoded;
}

/** The secret signer key line `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` of note.GenerateKey. Keep it secret. */
export function signerKey(name: string, privateKey: KeyObject): string {
  const signer = ed25519Signer(name, privateKey);
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return `PRIVATE+KEY+${name}+${keyIdHex(signer.keyId)}+${Buffer.concat([Uint8Array.of(ED25519_SIGNATURE_TYPE), seed]).toString('base64')}`;
}

/** Parses a signer key line (note.NewSigner): the key ID must match the public key derived from the seed. */
export function parseSignerKey(line: string): NoteResult<NoteSigner> {
  const [private1, private2, name = '', id = '', ...rest] = line.split('+');
  const bytes = decodeBase64(rest.join('+'));
  if (private1 !== 'PRIVATE' || private2 !== 'KEY' || !isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(id) || bytes === undefined) {
    return failure('key-malformed', 'the signer key is not PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>');
  }
  if (bytes[0] !== ED25519_SIGNATURE_TYPE) return failure('key-wrong-algorithm', 'the signer key is not an Ed25519 (0x01) key', `${name}+${id}`);
  if (bytes.length !== 33) return failure('key-malformed', 'an Ed25519 signer key holds a 32-byte seed', `${name}+${id}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, bytes.subarray(1)]), format: 'der', type: 'pkcs8' });
  const signer = ed25519Signer(name, privateKey);
  if (keyIdHex(signer.keyId) !== id) return failure('key-id-mismatch', `the key ID ${id} does not match the key`, `${name}+${id}`);
  return { ok: true, value: signer };
}

/** Why `text` cannot be part of a note, if it cannot: lone surrogates (not UTF-8) or control characters other than newline (signed-note "Format"). */
export function noteTextProblem(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'the note is not valid UTF-8';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return 'the note contains a control character';
  }
  return undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Splits a note into text and signature lines, checking syntax and limits only; verifies nothing. */
export function parseNote(note: string | Uint8Array): NoteResult<ParsedNote> {
  const size = typeof note === 'string' ? Buffer.byteLength(note, 'utf8') : note.length;
  if (size > MAX_NOTE_BYTES) return failure('note-too-large', `the note is larger than ${MAX_NOTE_BYTES} bytes`);
  let message: string;
  try {
    message = typeof note === 'string' ? note : UTF8.decode(note);
  } catch {
    return failure('note-malformed', 'the note is not valid UTF-8');
  }
  const problem = noteTextProblem(message);
  if (problem !== undefined) return failure('note-malformed', problem);
  // The text is separated from the signatures by the last empty line.
  const split = message.lastIndexOf('\n\n');
  const block = message.slice(split + 2);
  if (split < 0 || block === '' || !block.endsWith('\n')) return failure('note-malformed', 'the note has no signature block after a blank line');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) return failure('note-too-many-signatures', `the note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const space = line.indexOf(' ', SIGNATURE_PREFIX.length);
    const name = line.slice(SIGNATURE_PREFIX.length, space);
    const base64 = line.slice(space + 1);
    const bytes = decodeBase64(base64);
    if (!line.startsWith(SIGNATURE_PREFIX) || space < 0 || !isValidKeyName(name) || bytes === undefined || bytes.length < 5) {
      return failure('note-malformed', 'a signature line is not "— <key name> <base64 signature>"');
    }
    signatures.push({ name, keyId: Buffer.from(bytes).readUInt32BE(0), signature: bytes.subarray(4), base64 });
  }
  return { ok: true, value: { text: message.slice(0, split + 1), signatures } };
}

/**
 * Parses a note and verifies it against the known verifiers (signed-note "Signatures"): every line
 * whose name and key ID match a known key must verify, lines of unknown keys are kept as unverified,
 * and at least one known key must have signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): NoteResult<OpenedNote> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const text = Buffer.from(parsed.value.text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const line of parsed.value.signatures) {
    const known = verifiers.filter((v) => v.name === line.name && v.keyId === line.keyId);
    const key = `${line.name}+${keyIdHex(line.keyId)}`;
    if (known.length > 1) return failure('note-ambiguous-key', `more than one known key is ${key}`, key);
    const [verifier] = known;
    // Identical repeated lines are dropped, as note.go does; a known key's every line is still checked.
    if (verifier === undefined) {
      if (!unverified.some((s) => s.name === line.name && s.base64 === line.base64)) unverified.push(line);
    } else if (!verifier.verify(text, line.signature)) {
      return failure('note-bad-signature', `the signature by ${key} does not verify`, key);
    } else if (!verified.some((s) => s.name === line.name && s.keyId === line.keyId)) {
      verified.push(line);
    }
  }
  if (verified.length === 0) {
    const signers = unverified.map((s) => `${s.name}+${keyIdHex(s.keyId)}`).join(', ');
    return failure('note-unknown-key', `the note is not signed by a known key (signed by ${signers})`);
  }
  return { ok: true, value: { text: parsed.value.text, verified, unverified } };
}

/**
 * Signs `text` (which must end in a newline) with each signer and returns the note. Lines in
 * `existing` are kept first, except those of a key that signs again (note.go Sign). Throws
 * {@link NoteError} on a malformed text or signer: the caller controls both.
 */
export function signNote(text: string, signers: readonly NoteSigner[], existing: readonly NoteSignature[] = []): string {
  const problem = noteTextProblem(text) ?? (text.endsWith('\n') ? undefined : 'the note text does not end with a newline');
  if (problem !== undefined) throw new NoteError('note-malformed', problem);
  const message = Buffer.from(text, 'utf8');
  const fresh = signers.map((signer) => {
    if (!isValidKeyName(signer.name) || !Number.isInteger(signer.keyId) || signer.keyId < 0 || signer.keyId > 0xffffffff) {
      throw new NoteError('signer-invalid', 'a signer has an invalid name or key ID');
    }
    const id = Buffer.alloc(4);
    id.writeUInt32BE(signer.keyId);
    return { name: signer.name, keyId: signer.keyId, base64: Buffer.concat([id, signer.sign(message)]).toString('base64') };
  });
  const kept = existing.filter((old) => !fresh.some((s) => s.name === old.name && s.keyId === old.keyId));
  for (const old of kept) {
    const bytes = decodeBase64(old.base64);
    if (bytes === undefined || bytes.length < 5 || Buffer.from(bytes).readUInt32BE(0) !== old.keyId) {
      throw new NoteError('note-malformed', `the existing signature by ${old.name} does not carry its key ID`);
    }
  }
  const note = text + '\n' + [...kept, ...fresh].map((s) => `${SIGNATURE_PREFIX}${s.name} ${s.base64}\n`).join('');
  // Never emit a note this module would refuse to open.
  const check = parseNote(note);
  if (!check.ok) throw new NoteError(check.error.code, check.error.message);
  return note;
}
