/**
 * Checks, in the browser, that an audit entry is in the log the server signed: the log's key,
 * the checkpoint's Ed25519 signature, the entry's leaf hash over its canonical JSON (the bytes
 * the server hashed, src/store/audit-append.ts), and the RFC 9162 inclusion proof up to the
 * signed root. Each failure names the step that failed and why.
 */
import type { AuditEntry, InclusionProof } from './audit-types.js';
import { canonicalJson } from './verify-canonical-json.js';
import { decodeBase64, equalBytes, sha256, toHex, utf8, type Bytes } from './verify-bytes.js';
import { inclusionProofLength, leafHash, rootFromInclusionProof } from './verify-merkle.js';
import { keyIdHex, parseCheckpoint, parseVerifierKey, verifyNote } from './verify-note.js';

/** The steps of the check, in the order they run. */
export const ENTRY_CHECK_STEPS = ['key', 'signature', 'checkpoint', 'tree-size', 'leaf', 'path', 'witnesses', 'consistency'] as const;

/** One of {@link ENTRY_CHECK_STEPS}. */
export type EntryCheckStep = (typeof ENTRY_CHECK_STEPS)[number];

/** What each step checks, as the UI names it. */
export const ENTRY_STEP_NAMES: Readonly<Record<EntryCheckStep, string>> = {
  key: 'The log\'s verifier key',
  signature: 'The checkpoint\'s signature',
  checkpoint: 'The checkpoint',
  'tree-size': 'The tree size',
  leaf: 'The entry\'s leaf hash',
  path: 'The inclusion proof',
  witnesses: 'The witness cosignatures',
  consistency: 'The consistency proof',
};

/** What the check takes: the entry as listed, and the three answers fetched for it. */
export interface EntryEvidence {
  readonly entry: AuditEntry;
  /** `GET /api/v1/audit/key`. */
  readonly keyLine: string;
  /** `GET /api/v1/audit/checkpoint` (or the one just signed). */
  readonly checkpoint: string;
  readonly proof: InclusionProof;
}

/** A verified entry: which key signed which tree, and the hashes that tie the entry to it. */
export interface EntryVerified {
  readonly ok: true;
  readonly key: string;
  /** The verifier key line as served, for an auditor to compare with theirs (`forgeline audit verify --key`). */
  readonly keyLine: string;
  /** The key's name (the log's origin). */
  readonly keyName: string;
  /** Hex SHA-256 of the raw Ed25519 public key: a fingerprint to compare out of band. */
  readonly keyFingerprint: string;
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly leafHash: string;
}

/** A failed check: the step and a message safe to show. */
export interface EntryFailed {
  readonly ok: false;
  readonly step: EntryCheckStep;
  readonly message: string;
}

/** The canonical JSON whose leaf hash is in the tree: every field, absent ones null (src/store/audit-append.ts auditEntryRecord). */
export function entryBytes(entry: AuditEntry): Bytes {
  return utf8(canonicalJson({
    idx: entry.index,
    at: entry.at,
    actorId: entry.actorId,
    actor: entry.actor,
    source: entry.source,
    kind: entry.kind,
    outcome: entry.outcome,
    orderId: entry.orderId,
    revision: entry.revision,
    hashBefore: entry.hashBefore,
    hashAfter: entry.hashAfter,
    detail: entry.detail,
  }));
}

/** Runs every step; the first that fails ends the check. */
export async function verifyEntry(evidence: EntryEvidence): Promise<EntryVerified | EntryFailed> {
  const failed = (step: EntryCheckStep, message: string): EntryFailed => ({ ok: false, step, message });
  const { entry, proof } = evidence;

  const key = await parseVerifierKey(evidence.keyLine);
  if (!key.ok) return failed('key', key.message);
  const label = `${key.value.name}+${keyIdHex(key.value.keyId)}`;

  const text = await verifyNote(evidence.checkpoint, key.value);
  if (!text.ok) return failed('signature', text.message);

  const checkpoint = parseCheckpoint(text.value);
  if (!checkpoint.ok) return failed('checkpoint', checkpoint.message);
  // tlog-checkpoint "Signatures": the log's key is named after its origin.
  if (checkpoint.value.origin !== key.value.name) {
    return failed('checkpoint', `The checkpoint is for the log "${checkpoint.value.origin}", not "${key.value.name}".`);
  }

  const size = checkpoint.value.size;
  // A proof binds its size only through the root it is checked against, so the sizes must agree.
  if (proof.size !== size) return failed('tree-size', `The proof is for a tree of ${proof.size} entries, but the checkpoint signs a tree of ${size}.`);
  if (proof.index !== entry.index) return failed('tree-size', `The proof is for entry ${proof.index}, not entry ${entry.index}.`);
  if (entry.index >= size) return failed('tree-size', `Entry ${entry.index} is not in the checkpoint's tree of ${size} entries.`);

  let bytes: Bytes;
  try {
    bytes = entryBytes(entry);
  } catch (error) {
    return failed('leaf', `The entry has no canonical form: ${(error as Error).message}.`);
  }
  const leaf = await leafHash(bytes);
  const leafHex = toHex(leaf);
  if (leafHex !== entry.leafHash) {
    return failed('leaf', `The entry's content hashes to ${leafHex}, not to the leaf hash ${entry.leafHash} the log lists: the entry was changed.`);
  }

  const expected = inclusionProofLength(entry.index, size);
  if (proof.hashes.length !== expected) {
    return failed('path', `The proof holds ${proof.hashes.length} hashes; entry ${entry.index} of a tree of ${size} needs ${expected}.`);
  }
  const path: Bytes[] = [];
  for (const [i, hash] of proof.hashes.entries()) {
    const decoded = decodeBase64(hash);
    if (decoded?.length !== 32) return failed('path', `Hash ${i + 1} of the proof is not the base64 of 32 bytes.`);
    path.push(decoded);
  }
  const root = await rootFromInclusionProof(leaf, entry.index, size, path);
  if (!equalBytes(root, checkpoint.value.rootHash)) {
    return failed('path', `The proof leads to the root ${toHex(root)}, not to the signed root ${toHex(checkpoint.value.rootHash)}.`);
  }
  const keyFingerprint = toHex(await sha256(key.value.publicKey));
  return { ok: true, key: label, keyLine: evidence.keyLine.trim(), keyName: key.value.name, keyFingerprint, origin: checkpoint.value.origin, treeSize: size, rootHash: toHex(root), leafHash: leafHex };
}
