/**
 * The whole check behind an entry's "Verify": the served key against the key this browser pinned,
 * the entry's inclusion in a signed checkpoint (verify-entry.ts), and that checkpoint against the
 * one this browser verified before (same tree, or a larger one with a consistency proof), and its
 * witness cosignatures against the witness keys the auditor pinned.
 * The fetches are handed in, so tests run it against the real server code without a browser.
 */
import type { CheckpointMemory, CheckpointStep, PinnedKey } from './checkpoint-memory.js';
import type { AuditEntry, InclusionProof } from './audit-types.js';
import { sha256, toHex } from './verify-bytes.js';
import { checkCosignatures, parseWitnessKey, type Cosignature, type WitnessKey } from './verify-cosignatures.js';
import { verifyEntry, type EntryFailed, type EntryVerified } from './verify-entry.js';
import { parseVerifierKey } from './verify-note.js';

/** What the check fetches from the server. */
export interface EntryCheckSources {
  readonly verifierKey: () => Promise<string>;
  /**
   * A checkpoint covering entry `index`, whether it was signed just now, and whether it is one
   * asked for as earlier than the latest (with `cosigned`: the newest a witness cosigned).
   */
  readonly checkpointCovering: (index: number, options: { readonly cosigned: boolean }) => Promise<{ readonly note: string; readonly fresh: boolean; readonly earlier?: boolean }>;
  readonly checkpointSize: (note: string) => number;
  readonly inclusionProof: (index: number, size: number) => Promise<InclusionProof>;
  readonly consistencyProof: (from: number, to: number) => Promise<readonly string[]>;
}

/** A key the server now serves that differs from the pinned one: what the auditor compares before accepting it. */
export interface NewKey {
  readonly keyLine: string;
  /** Undefined when the served line is no key at all (then it cannot be accepted). */
  readonly fingerprint: string | undefined;
}

/**
 * What the witnesses the auditor pinned say of the checkpoint: none are pinned; at least one of
 * them cosigned it; or none of them did, so nothing but the log's own key vouches for the tree.
 */
export type WitnessVerdict = 'none-pinned' | 'witnessed' | 'unwitnessed';

/**
 * The outcome: failed, or the proofs verified (with how the key and the checkpoint relate to what
 * this browser trusts). Verified in full only when `witnesses` is not `unwitnessed`: then
 * `warning` says why the page must not say "Verified".
 */
export type EntryCheck =
  | {
    readonly ok: true; readonly result: EntryVerified; readonly fresh: boolean; readonly pin: PinnedKey; readonly pinnedNow: boolean;
    readonly checkpoint: Extract<CheckpointStep, { ok: true }>; readonly cosignatures: readonly Cosignature[];
    readonly witnesses: WitnessVerdict; readonly warning?: string;
  }
  | { readonly ok: false; readonly result: EntryFailed; readonly fresh: boolean; readonly newKey?: NewKey };

/** The SHA-256 fingerprint of a key line's raw key, or undefined when the line is not a key. */
export async function keyFingerprint(keyLine: string): Promise<string | undefined> {
  const key = await parseVerifierKey(keyLine);
  return key.ok ? toHex(await sha256(key.value.publicKey)) : undefined;
}

/** Runs the check of `entry`; `now` dates a key pinned on first use. */
export async function checkEntry(entry: AuditEntry, trust: CheckpointMemory, sources: EntryCheckSources, now: () => Date): Promise<EntryCheck> {
  const pinnedWitnesses = trust.witnesses;
  const [keyLine, checkpoint] = await Promise.all([sources.verifierKey(), sources.checkpointCovering(entry.index, { cosigned: pinnedWitnesses.length > 0 })]);
  const { fresh } = checkpoint;
  // The pin comes first: a checkpoint that verifies under another key says nothing about the pinned log.
  const conflict = trust.keyConflict(keyLine);
  if (conflict !== undefined) {
    return { ok: false, result: { ok: false, step: 'key', message: conflict }, fresh, newKey: { keyLine: keyLine.trim(), fingerprint: await keyFingerprint(keyLine) } };
  }
  const size = sources.checkpointSize(checkpoint.note);
  // Without a readable size no proof can be asked: the check reports the checkpoint's fault instead.
  const proof = entry.index < size ? await sources.inclusionProof(entry.index, size) : { index: entry.index, size, hashes: [] };
  const result = await verifyEntry({ entry, keyLine, checkpoint: checkpoint.note, proof });
  if (!result.ok) return { ok: false, result, fresh };
  const pinned = trust.pin;
  // Trust on first use: the page shows the fingerprint so the auditor can compare it out of band.
  const pin = pinned ?? trust.pinKey(result.keyLine, result.keyFingerprint, now());
  const witnesses: WitnessKey[] = [];
  for (const line of pinnedWitnesses) {
    const key = await parseWitnessKey(line);
    if (key.ok) witnesses.push(key.value);
  }
  const cosigned = await checkCosignatures(checkpoint.note, { name: result.keyName, keyId: Number.parseInt(result.key.slice(result.keyName.length + 1), 16) }, witnesses);
  if (!cosigned.ok) return { ok: false, result: { ok: false, step: 'witnesses', message: cosigned.message }, fresh };
  const failed = cosigned.value.find((cosignature) => cosignature.status === 'failed');
  // A pinned witness's line that does not verify refuses the note (signed-note "Signatures"): someone forged or altered it.
  if (failed !== undefined) {
    return { ok: false, result: { ok: false, step: 'witnesses', message: `The cosignature by ${failed.witness}, a witness pinned in this browser, does not verify.` }, fresh };
  }
  const step = await trust.advance({ treeSize: result.treeSize, rootHash: result.rootHash }, sources.consistencyProof, { earlier: checkpoint.earlier === true });
  if (!step.ok) return { ok: false, result: { ok: false, step: step.step, message: step.message }, fresh };
  const base = { ok: true, result, fresh, pin, pinnedNow: pinned === undefined, checkpoint: step, cosignatures: cosigned.value } as const;
  if (pinnedWitnesses.length === 0) return { ...base, witnesses: 'none-pinned' };
  if (cosigned.value.some((cosignature) => cosignature.status === 'verified')) return { ...base, witnesses: 'witnessed' };
  // The auditor pinned witnesses so that a log shown only to them (a fork) is caught: a server doing
  // that simply leaves the cosignatures off, so their absence is never "Verified".
  return { ...base, witnesses: 'unwitnessed', warning: unwitnessedWarning(pinnedWitnesses.length, fresh) };
}

/** Why a checkpoint no pinned witness cosigned is not verified in full, and what to do. */
export function unwitnessedWarning(pinned: number, fresh: boolean): string {
  const whom = pinned === 1 ? 'The witness pinned in this browser has not' : `None of the ${pinned} witnesses pinned in this browser has`;
  const why = fresh
    ? ' It was signed just now, for this check, and witnesses cosign a checkpoint only some time after it is published.'
    : ' The server had no checkpoint covering this entry that one of them cosigned.';
  return `${whom} cosigned this checkpoint.${why} The log's signature and the inclusion proof verify, but a server showing you a forked log would look the same: verify again once a pinned witness has cosigned a checkpoint covering this entry.`;
}
