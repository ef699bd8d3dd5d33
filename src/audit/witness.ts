/**
 * A witness of audit logs (issue 3 point 7; C2SP tlog-witness, "Witness behaviour"): per log origin
 * it remembers the last checkpoint it cosigned, and cosigns a new one only when the log proves that
 * its tree extends that one. A log that forks is never cosigned. Pure: the witness key, the clock
 * and the source of consistency proofs come in.
 */
import type { KeyObject } from 'node:crypto';
import { verifyConsistency } from '../crypto/index.js';
import {
  type CheckpointFailureCode,
  type WitnessSigner,
  COSIGNATURE_SIGNATURE_TYPE,
  cosignCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
import { type NoteResult, type NoteVerifier, decodeBase64, verifierKey } from './signed-note.js';

/** Stable codes of a witness's refusals, beside {@link CheckpointFailureCode}. Add freely; never rename. */
export const WITNESS_ERROR_CODES = ['witness-inconsistent', 'witness-regressed'] as const;
/** One of {@link WITNESS_ERROR_CODES}. */
export type WitnessErrorCode = (typeof WITNESS_ERROR_CODES)[number];
/** Every code {@link witnessStep} can fail with. */
export type WitnessFailureCode = CheckpointFailureCode | WitnessErrorCode;

/** The last checkpoint a witness cosigned for one log: its origin, tree size and base64 root hash. */
export interface WitnessedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: string;
}
/** What a witness remembers: the last cosigned checkpoint of each log it watches, one per origin. */
export interface WitnessState {
  readonly logs: readonly WitnessedCheckpoint[];
}
/** The state of a witness that has cosigned nothing yet. */
export const EMPTY_WITNESS_STATE: WitnessState = { logs: [] };

/** What one round of witnessing needs. */
export interface WitnessStepInput {
  /** The log's key (signature type 0x01); its name is the expected origin unless `origin` says otherwise. */
  readonly logVerifier: NoteVerifier;
  readonly origin?: string;
  readonly witness: WitnessSigner;
  readonly state: WitnessState;
  /** The checkpoint note as the log serves it. */
  readonly noteText: string;
  /** The RFC 9162 consistency proof between the log's trees of `from` and `to` entries, from the log. */
  consistencyProof(from: number, to: number): Promise<readonly Uint8Array[]>;
  /** The cosignature time, whole seconds since the epoch. */
  readonly timestamp: number;
}
/** A checkpoint the witness accepted: the note with its cosignature, and the state to keep once the log has it. */
export interface WitnessStepOutcome {
  readonly note: string;
  readonly checkpoint: WitnessedCheckpoint;
  /** What the witness had cosigned for this origin before, if anything (first sight otherwise). */
  readonly previous: WitnessedCheckpoint | undefined;
  readonly state: WitnessState;
}

type Refusal = { readonly ok: false; readonly error: { readonly code: WitnessFailureCode; readonly message: string } };
const refuse = (code: WitnessFailureCode, message: string): Refusal => ({ ok: false, error: { code, message } });

/** The last checkpoint `state` holds for `origin`, if any. */
export function witnessedCheckpoint(state: WitnessState, origin: string): WitnessedCheckpoint | undefined {
  return state.logs.find((log) => log.origin === origin);
}

/**
 * One round of witnessing: verifies the log's signature and origin, refuses a tree smaller than
 * the last one cosigned (`witness-regressed`), and a tree of the same size with another root or a
 * larger one whose consistency proof does not verify (`witness-inconsistent`: the log forked).
 * Otherwise cosigns. The returned state is to be kept only after the log has stored the cosignature.
 * A proof source that throws (the log unreachable) makes this reject with that error.
 */
export async function witnessStep(input: WitnessStepInput): Promise<NoteResult<WitnessStepOutcome, WitnessFailureCode>> {
  const origin = input.origin ?? input.logVerifier.name;
  const signed = verifyCheckpoint(input.noteText, input.logVerifier, origin);
  if (!signed.ok) return signed;
  if (signed.value.size > BigInt(Number.MAX_SAFE_INTEGER)) {
    return refuse('checkpoint-malformed', `the tree size ${signed.value.size} is beyond what this witness tracks (2^53-1)`);
  }
  const size = Number(signed.value.size);
  const root = signed.value.rootHash;
  const checkpoint: WitnessedCheckpoint = { origin, size, rootHash: Buffer.from(root).toString('base64') };
  const previous = witnessedCheckpoint(input.state, origin);
  if (previous !== undefined) {
    if (size < previous.size) {
      return refuse('witness-regressed', `the log ${origin} shows a tree of ${size} entries after this witness cosigned one of ${previous.size}: it was rolled back`);
    }
    const previousRoot = decodeBase64(previous.rootHash) ?? new Uint8Array(0);
    // Equal sizes and growth from the empty tree need no proof (RFC 9162 §2.1.4.2).
    const proof = size > previous.size && previous.size > 0 ? await input.consistencyProof(previous.size, size) : [];
    if (!verifyConsistency(previous.size, size, proof, previousRoot, root)) {
      const message = size === previous.size
        ? `the log ${origin} shows two trees of ${size} entries: root ${previous.rootHash} cosigned before, root ${checkpoint.rootHash} now; the log forked`
        : `the log ${origin}'s tree of ${size} entries does not extend the tree of ${previous.size} this witness cosigned (the consistency proof does not verify); the log forked`;
      return refuse('witness-inconsistent', message);
    }
  }
  const cosigned = cosignCheckpoint(input.noteText, input.witness, input.timestamp);
  if (!cosigned.ok) return cosigned;
  const logs = [...input.state.logs.filter((log) => log.origin !== origin), checkpoint];
  return { ok: true, value: { note: cosigned.value, checkpoint, previous, state: { logs } } };
}

/** The witness's verifier key line (signature type 0x04), to hand to auditors for `audit verify --witness`. */
export function witnessKeyLine(name: string, publicKey: KeyObject | Uint8Array): string {
  return verifierKey(name, publicKey, COSIGNATURE_SIGNATURE_TYPE);
}
