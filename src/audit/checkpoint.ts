/**
 * C2SP tlog checkpoints (c2sp.org/tlog-checkpoint) as signed notes, and Ed25519 witness
 * cosignatures over them (c2sp.org/tlog-cosignature, cosignature/v1, signature type 0x04). Pure.
 */
import { type KeyObject, sign } from 'node:crypto';
import {
  type NoteFailure,
  type NoteErrorCode,
  type NoteResult,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  NoteError,
  decodeBase64,
  decodeVerifierKey,
  ed25519PublicKey,
  ed25519PublicKeyBytes,
  ed25519Verify,
  isValidKeyName,
  keyId,
  keyIdHex,
  noteTextProblem,
  openNote,
  parseNote,
  signNote,
} from './signed-note.js';

/** Stable codes of checkpoint failures, beside {@link NoteErrorCode}. Add freely; never rename. */
export const CHECKPOINT_ERROR_CODES = ['checkpoint-malformed', 'checkpoint-origin-mismatch', 'cosignature-threshold-not-met'] as const;
/** One of {@link CHECKPOINT_ERROR_CODES}. */
export type CheckpointErrorCode = (typeof CHECKPOINT_ERROR_CODES)[number];
/** Every code a checkpoint operation can fail with. */
export type CheckpointFailureCode = NoteErrorCode | CheckpointErrorCode;

/** Signature type of timestamped Ed25519 witness cosignatures (signed-note "Signature types", tlog-cosignature "Format"). */
export const COSIGNATURE_SIGNATURE_TYPE = 0x04;
/** Largest tree size and cosignature timestamp the specs allow: 2^63 - 1. */
export const MAX_CHECKPOINT_INTEGER = 2n ** 63n - 1n;

/** A parsed checkpoint: origin, tree size, 32-byte RFC 6962 root hash and the opaque extension lines. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: bigint;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}
/** What {@link formatCheckpoint} takes; the size may be a safe integer number. */
export interface CheckpointInput {
  readonly origin: string;
  readonly size: bigint | number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}
/** A checkpoint whose log signature verified, with the note text and the other (unverified) signature lines. */
export interface VerifiedCheckpoint extends Checkpoint {
  readonly body: string;
  readonly cosignatures: readonly NoteSignature[];
}
/** A witness cosignature that verified: the witness key and the time it claims to have seen the checkpoint. */
export interface Cosigner {
  readonly name: string;
  readonly keyId: number;
  readonly timestamp: number;
}
/** A witness's key: makes the `timestamp || signature` payload of a cosignature/v1 line. */
export interface WitnessSigner {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  cosign(body: Uint8Array, timestamp: number): Uint8Array;
}

const malformed = (message: string): { ok: false; error: NoteFailure<CheckpointErrorCode> } => ({
  ok: false,
  error: { code: 'checkpoint-malformed', message },
});
const SIZE = /^(?:0|[1-9][0-9]{0,18})$/;

function lineProblem(line: string, what: string): string | undefined {
  if (line === '') return `the ${what} is empty`;
  return line.includes('\n') || noteTextProblem(line) !== undefined ? `the ${what} contains a newline, a control character or invalid UTF-16` : undefined;
}

/** The checkpoint note text (tlog-checkpoint "Note text"). Throws {@link NoteError} on a value no checkpoint can hold. */
export function formatCheckpoint(checkpoint: CheckpointInput): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  const problem =
    lineProblem(origin, 'origin') ??
    extensions.map((line) => lineProblem(line, 'extension line')).find((p) => p !== undefined) ??
    (rootHash.length === 32 ? undefined : 'the root hash is not 32 bytes');
  if (problem !== undefined) throw new NoteError('checkpoint-malformed', problem);
  if (typeof size === 'number' ? !Number.isSafeInteger(size) || size < 0 : size < 0n || size > MAX_CHECKPOINT_INTEGER) {
    throw new NoteError('checkpoint-malformed', 'the tree size is not an integer from 0 to 2^63-1');
  }
  const hash = Buffer.from(rootHash).toString('base64');
  return [origin, String(size), hash, ...extensions].join('\n') + '\n';
}

/**
 * Parses a checkpoint note text strictly: a non-empty origin, a decimal tree size without leading
 * zeros up to 2^63-1, a base64 32-byte root hash, then non-empty extension lines, newline-terminated.
 */
export function parseCheckpoint(body: string): NoteResult<Checkpoint, CheckpointErrorCode> {
  if (!body.endsWith('\n')) return malformed('the checkpoint does not end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) return malformed('the checkpoint has fewer than three lines');
  const [origin = '', size = '', hash = '', ...extensions] = lines;
  const problem = lineProblem(origin, 'origin') ?? extensions.map((line) => lineProblem(line, 'extension line')).find((p) => p !== undefined);
  if (problem !== undefined) return malformed(problem);
  if (!SIZE.test(size) || BigInt(size) > MAX_CHECKPOINT_INTEGER) {
    return malformed('the tree size is not a decimal from 0 to 2^63-1 without leading zeros');
  }
  const rootHash = decodeBase64(hash);
  if (rootHash?.length !== 32) return malformed('the root hash is not the base64 of 32 bytes');
  return { ok: true, value: { origin, size: BigInt(size), rootHash, extensions } };
}

/** The checkpoint as a note signed by the log's key (whose name SHOULD be the origin, tlog-checkpoint "Signatures"). */
export function signCheckpoint(checkpoint: CheckpointInput, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), [signer]);
}

/**
 * Verifies a checkpoint note against the log's key, then parses it and, when given, checks its
 * origin. Lines of other keys (witness cosignatures) come back in `cosignatures`, not verified.
 */
export function verifyCheckpoint(
  note: string | Uint8Array,
  verifier: NoteVerifier,
  expectedOrigin?: string,
): NoteResult<VerifiedCheckpoint, CheckpointFailureCode> {
  const opened = openNote(note, [verifier]);
  if (!opened.ok) return opened;
  const parsed = parseCheckpoint(opened.value.text);
  if (!parsed.ok) return parsed;
  if (expectedOrigin !== undefined && parsed.value.origin !== expectedOrigin) {
    const message = `the checkpoint is for origin "${parsed.value.origin}", not "${expectedOrigin}"`;
    return { ok: false, error: { code: 'checkpoint-origin-mismatch', message } };
  }
  return { ok: true, value: { ...parsed.value, body: opened.value.text, cosignatures: opened.value.unverified } };
}

/**
 * The cosignature/v1 signed message: `cosignature/v1\ntime <seconds>\n`, then the whole checkpoint
 * text with its extension lines (tlog-cosignature "Ed25519 signed message").
 */
export function cosignatureMessage(body: Uint8Array, timestamp: bigint | number): Uint8Array {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${timestamp}\n`, 'utf8'), body]);
}

// The clock is the caller's, so a time that is not whole non-negative seconds is a bug, not input.
function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`a cosignature time must be whole seconds since the epoch, got ${timestamp}`);
  }
}

/** A witness cosigner for `privateKey` under `name`; its key ID uses signature type 0x04 (tlog-cosignature "Format"). */
export function witnessSigner(name: string, privateKey: KeyObject): WitnessSigner {
  if (privateKey.type !== 'private' || !isValidKeyName(name)) {
    throw new NoteError('signer-invalid', 'a witness needs a valid name and a private key');
  }
  const publicKey = ed25519PublicKeyBytes(privateKey);
  const cosign = (body: Uint8Array, timestamp: number): Uint8Array => {
    checkTimestamp(timestamp);
    // timestamped_signature: u64 big-endian timestamp, then the 64-byte Ed25519 signature.
    const payload = Buffer.alloc(8);
    payload.writeBigUInt64BE(BigInt(timestamp));
    return Buffer.concat([payload, sign(null, cosignatureMessage(body, timestamp), privateKey)]);
  };
  return { name, keyId: keyId(name, publicKey, COSIGNATURE_SIGNATURE_TYPE), publicKey, cosign };
}

/**
 * A verifier of a witness's cosignature/v1 lines. It refuses timestamps past 2^53-1 seconds (the spec
 * allows up to 2^63-1 but lets verifiers refuse future times), so every timestamp is an exact number.
 */
export function witnessVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  const raw = publicKey instanceof Uint8Array ? Uint8Array.from(publicKey) : ed25519PublicKeyBytes(publicKey);
  if (!isValidKeyName(name)) throw new NoteError('key-malformed', 'the key name is empty or contains a space, + or a control character');
  const key = ed25519PublicKey(raw);
  const verify = (message: Uint8Array, signature: Uint8Array): boolean => {
    if (signature.length !== 72) return false;
    const timestamp = Buffer.from(signature).readBigUInt64BE(0);
    if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    return ed25519Verify(key, cosignatureMessage(message, timestamp), signature.subarray(8));
  };
  return { name, keyId: keyId(name, raw, COSIGNATURE_SIGNATURE_TYPE), publicKey: raw, verify };
}

/** Parses a witness verifier key line, which must be of signature type 0x04 (tlog-cosignature "Format", vkeys). */
export function parseWitnessKey(line: string): NoteResult<NoteVerifier> {
  const decoded = decodeVerifierKey(line, COSIGNATURE_SIGNATURE_TYPE);
  return decoded.ok ? { ok: true, value: witnessVerifier(decoded.value.name, decoded.value.publicKey) } : decoded;
}

/** The timestamp a cosignature/v1 line carries, or undefined when the line is not one (wrong length, time too large). */
export function cosignatureTimestamp(signature: NoteSignature): number | undefined {
  if (signature.signature.length !== 72) return undefined;
  const timestamp = Buffer.from(signature.signature).readBigUInt64BE(0);
  return timestamp > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(timestamp);
}

/**
 * Adds `witness`'s cosignature at `timestamp` (seconds) to a checkpoint note, replacing an older line
 * of the same key. It checks the note's form only: the caller verifies the log's signature and
 * consistency with what the witness saw before (issue 3 point 7). Throws RangeError on a bad timestamp.
 */
export function cosignCheckpoint(
  note: string | Uint8Array,
  witness: WitnessSigner,
  timestamp: number,
): NoteResult<string, CheckpointFailureCode> {
  checkTimestamp(timestamp);
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const checkpoint = parseCheckpoint(parsed.value.text);
  if (!checkpoint.ok) return checkpoint;
  const signer: NoteSigner = { name: witness.name, keyId: witness.keyId, sign: (body) => witness.cosign(body, timestamp) };
  return { ok: true, value: signNote(parsed.value.text, [signer], parsed.value.signatures) };
}

/**
 * Checks that at least `threshold` of `witnesses` cosigned the checkpoint note. A known witness's
 * line that does not verify refuses the note (signed-note "Signatures"). Does not check the log's
 * signature: call {@link verifyCheckpoint} too. Throws RangeError on an impossible policy.
 */
export function verifyCosignatures(
  note: string | Uint8Array,
  witnesses: readonly NoteVerifier[],
  threshold: number,
): NoteResult<{ readonly checkpoint: Checkpoint; readonly cosigners: readonly Cosigner[] }, CheckpointFailureCode> {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > witnesses.length) {
    throw new RangeError(`the threshold must be from 1 to the ${witnesses.length} witnesses, got ${threshold}`);
  }
  // cosignature/v1 does not commit to the witness name, so one key listed twice would count twice.
  const keys = new Set(witnesses.map((w) => Buffer.from(w.publicKey).toString('hex')));
  if (keys.size !== witnesses.length) throw new RangeError('two witnesses share a public key');
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const checkpoint = parseCheckpoint(parsed.value.text);
  if (!checkpoint.ok) return checkpoint;
  const opened = openNote(note, witnesses);
  if (!opened.ok && opened.error.code !== 'note-unknown-key') return opened;
  const verified = opened.ok ? opened.value.verified : [];
  const cosigners = verified.map((s) => ({ name: s.name, keyId: s.keyId, timestamp: cosignatureTimestamp(s) ?? 0 }));
  if (cosigners.length < threshold) {
    const names = cosigners.map((c) => `${c.name}+${keyIdHex(c.keyId)}`).join(', ') || 'none';
    const message = `${threshold} of ${witnesses.length} witnesses must cosign; ${cosigners.length} did (${names})`;
    return { ok: false, error: { code: 'cosignature-threshold-not-met', message } };
  }
  return { ok: true, value: { checkpoint: checkpoint.value, cosigners } };
}
