/**
 * Witness cosignatures on the log's stored checkpoints (issue 3 point 7): a witness sends back a
 * checkpoint it cosigned, and its cosignature lines join the stored note, which stays the log's.
 */
import { ForgelineError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { AuditLogIdentity } from './audit-log.js';
import { cosignatureTimestamp, parseCheckpoint, verifyCheckpoint, verifyCosignatures } from './checkpoint.js';
import { type NoteSignature, type NoteVerifier, MAX_NOTE_SIGNATURES, parseNote } from './signed-note.js';

/** A stored checkpoint with the cosignatures it now carries. */
export interface CosignedCheckpoint {
  readonly size: number;
  /** The stored note after the merge: the log's signature first, then the cosignatures. */
  readonly note: string;
  /** How many cosignature lines the stored note carries. */
  readonly cosignatures: number;
}

// Another witness may merge into the same row at the same moment; the update is retried on a fresh read.
const MERGE_ATTEMPTS = 5;

const sameKey = (a: NoteSignature, b: NoteSignature): boolean => a.name === b.name && a.keyId === b.keyId;

function invalid(message: string): ForgelineError {
  return new ForgelineError('validation-failed', message, { problems: [{ path: 'note', message }] });
}

/**
 * The stored lines with the submitted cosignatures merged in: the log's own lines first and
 * unchanged, then the stored cosignatures, a submitted line replacing a stored one of the same key.
 * Only lines shaped as cosignature/v1 (type 0x04: a timestamp and an Ed25519 signature) are taken:
 * the server knows no witness key, so auditors' verifiers are what check them.
 */
function mergedLines(stored: readonly NoteSignature[], submitted: readonly NoteSignature[], isLog: (line: NoteSignature) => boolean): NoteSignature[] {
  const fresh: NoteSignature[] = [];
  for (const line of submitted) {
    if (isLog(line) || cosignatureTimestamp(line) === undefined || fresh.some((seen) => sameKey(seen, line))) continue;
    fresh.push(line);
  }
  const logLines = stored.filter(isLog);
  const kept = stored.filter((line) => !isLog(line) && !fresh.some((replacing) => sameKey(line, replacing)));
  return [...logLines, ...kept, ...fresh];
}

/**
 * Merges the cosignatures of `noteText` into the stored checkpoint with the same body, and returns
 * it. The note must be a checkpoint of this log (`validation-failed`), carry the log's valid
 * signature (`validation-failed`), and its body must be a stored checkpoint's exactly (`not-found`
 * when none of its size is stored, `conflict` when the stored one differs: not what this log signed).
 */
export async function mergeCosignatures(
  store: Store,
  identity: Pick<AuditLogIdentity, 'origin' | 'verifier'>,
  noteText: string,
  acceptedWitnesses: readonly NoteVerifier[] = [],
): Promise<CosignedCheckpoint> {
  const parsed = parseNote(noteText);
  if (!parsed.ok) throw invalid(`The note is not a signed note: ${parsed.error.message}`);
  const checkpoint = parseCheckpoint(parsed.value.text);
  if (!checkpoint.ok) throw invalid(`The note is not a checkpoint: ${checkpoint.error.message}`);
  if (checkpoint.value.origin !== identity.origin) {
    throw invalid(`The checkpoint is of another log (origin "${checkpoint.value.origin.slice(0, 200)}"), not of ${identity.origin}`);
  }
  const signed = verifyCheckpoint(noteText, identity.verifier, identity.origin);
  if (!signed.ok) {
    throw invalid(signed.error.code === 'note-unknown-key' ? 'The checkpoint does not carry the signature of this log' : `The log's signature on the checkpoint does not verify: ${signed.error.message}`);
  }
  const size = checkpoint.value.size;
  const isLog = (line: NoteSignature): boolean => line.name === identity.verifier.name && line.keyId === identity.verifier.keyId;
  // With a configured list of witnesses, only their cosignatures are kept, and each must verify:
  // nobody can park a line under a real witness's name that the witness never signed.
  if (acceptedWitnesses.length > 0) {
    for (const line of parsed.value.signatures.filter((signature) => !isLog(signature))) {
      const witness = acceptedWitnesses.find((candidate) => candidate.name === line.name && candidate.keyId === line.keyId);
      if (!witness) throw invalid(`The cosignature of ${line.name} is not from a witness this log accepts`);
      const checked = verifyCosignatures(noteText, [witness], 1);
      if (!checked.ok) throw invalid(`The cosignature of ${line.name} does not verify: ${checked.error.message}`);
    }
  }
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    const row = size > BigInt(Number.MAX_SAFE_INTEGER)
      ? undefined
      : await store.db.selectFrom('audit_checkpoints').select('note').where('size', '=', Number(size)).executeTakeFirst();
    if (row === undefined) throw new ForgelineError('not-found', `No checkpoint of size ${size} is stored: witness a checkpoint this log served`);
    const stored = parseNote(row.note);
    if (!stored.ok) throw new ForgelineError('audit-integrity', `The stored checkpoint of size ${size} is not a signed note`);
    if (stored.value.text !== parsed.value.text) {
      throw new ForgelineError('conflict', `The stored checkpoint of size ${size} has another body: this log did not sign the one sent`);
    }
    const lines = mergedLines(stored.value.signatures, parsed.value.signatures, isLog);
    const cosignatures = lines.filter((line) => !isLog(line)).length;
    if (lines.length > MAX_NOTE_SIGNATURES) {
      throw new ForgelineError('conflict', `The checkpoint of size ${size} would carry more than ${MAX_NOTE_SIGNATURES} signatures`);
    }
    const note = `${stored.value.text}\n${lines.map((line) => `\u2014 ${line.name} ${line.base64}\n`).join('')}`;
    if (note === row.note) return { size: Number(size), note, cosignatures };
    // Compare-and-set on the note read: a concurrent merge makes this update miss, and the loop re-reads.
    const result = await store.db.updateTable('audit_checkpoints').set({ note }).where('size', '=', Number(size)).where('note', '=', row.note).executeTakeFirst();
    if (result.numUpdatedRows > 0n) return { size: Number(size), note, cosignatures };
  }
  throw new ForgelineError('conflict', `The checkpoint of size ${size} kept changing while the cosignatures were merged; send them again`);
}
