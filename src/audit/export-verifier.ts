/**
 * Offline verification of an audit export with nothing but the log's public key (issue 3 point 4):
 * fed line by line, it keeps O(log n) memory, so a file of ten million entries streams through.
 */
import { CompactRange } from '../crypto/index.js';
import { type CheckpointFailureCode, verifyCheckpoint, verifyCosignatures } from './checkpoint.js';
import {
  type ExportCheckpointLine,
  type ExportHeaderLine,
  type ExportLineError,
  type ExportRawEntryLine,
  entryLeafText,
  exportEntryFieldsSchema,
  issueText,
  leafMismatch,
  parseRawExportLine,
} from './export-format.js';
import { EntryLineProver } from './export-fast-entry.js';
import { type ExportVerifierOptions, parseVerifierOptions } from './export-verifier-options.js';
import type { NoteVerifier } from './signed-note.js';

export {
  EXPORT_VERIFIER_OPTION_ERROR_CODES,
  ExportVerifierOptionsError,
  type ExportVerifierOptionErrorCode,
  type ExportVerifierOptions,
} from './export-verifier-options.js';

/** Stable codes of export verification failures. Add freely; never rename (a test pins the list). */
export const EXPORT_FAILURE_CODES = [
  'malformed-line',
  'not-an-export',
  'index-gap',
  'leaf-mismatch',
  'bad-signature',
  'wrong-origin',
  'unknown-key',
  'root-mismatch',
  'checkpoint-out-of-place',
  'checkpoint-regressed',
  'no-checkpoint',
  'witness-threshold-not-met',
  'truncated',
  'header-mismatch',
] as const;
/** One of {@link EXPORT_FAILURE_CODES}. */
export type ExportFailureCode = (typeof EXPORT_FAILURE_CODES)[number];

/**
 * The first thing wrong with an export: its 1-based line (for what is missing at the end, the line
 * after the last), the first bad entry index when one is known, the checkpoint size for checkpoint
 * failures, and a one-line message safe to show.
 */
export interface ExportFailure {
  readonly line: number;
  readonly index?: number;
  readonly size?: number;
  readonly code: ExportFailureCode;
  readonly message: string;
}
/** A verified export: its entries, how many of them no checkpoint covers, and the last checkpoint. */
export interface ExportVerified {
  readonly ok: true;
  readonly entries: number;
  readonly checkpoints: number;
  readonly lastCheckpoint: { readonly size: number; readonly rootHashBase64: string };
  readonly uncoveredEntries: number;
  /** With witnesses: the size of the newest checkpoint they cosigned to the threshold. */
  readonly witnessedSize?: number;
}
/** The outcome of verifying an export. */
export type ExportVerification = ExportVerified | { readonly ok: false; readonly failure: ExportFailure };

// Code units of text the verifier copies into its prover at once (then on to the next newline).
const LINES_AT_ONCE = 1 << 16;

const NOTE_FAILURES: Partial<Record<CheckpointFailureCode, ExportFailureCode>> = {
  'note-bad-signature': 'bad-signature',
  'note-unknown-key': 'unknown-key',
  'checkpoint-origin-mismatch': 'wrong-origin',
  'cosignature-threshold-not-met': 'witness-threshold-not-met',
};

function badLine(error: ExportLineError, first: boolean): { code: ExportFailureCode; message: string } {
  if (!first) return { code: 'malformed-line', message: error.message };
  // A header of this format with a bad member is a damaged export; anything else on line 1 is not one.
  if (error.code === 'line-invalid' && error.type === 'header') return { code: 'malformed-line', message: error.message };
  return { code: 'not-an-export', message: `not a Forgeline audit export: ${error.message}` };
}

/**
 * Verifies an export fed one line at a time: the header, then entries with dense indices from 0 whose
 * `leaf` is byte for byte the canonical JSON of `fields`, their leaf hashes appended to a
 * {@link CompactRange}; each checkpoint signed by the log key for the expected origin, placed right
 * after the entries it covers, never smaller than the one before, with the root of those entries;
 * at the end, the last checkpoint cosigned by the witness threshold. The first failure stops it.
 */
export class ExportVerifier {
  readonly #log: NoteVerifier;
  readonly #origin: string;
  readonly #witnesses: readonly NoteVerifier[];
  readonly #threshold: number;
  readonly #range = new CompactRange();
  readonly #prover = new EntryLineProver();
  #header: ExportHeaderLine | undefined;
  #last: { readonly size: number; readonly root: Uint8Array; readonly note: string; readonly line: number } | undefined;
  #witnessedSize: number | undefined;
  #checkpoints = 0;
  #lastLine = 0;
  #failure: ExportFailure | undefined;
  #result: ExportVerification | undefined;

  /** Throws {@link ExportVerifierOptionsError} on a key line that does not parse or an impossible witness policy. */
  constructor(options: ExportVerifierOptions) {
    const { log, witnesses, threshold, origin } = parseVerifierOptions(options);
    this.#log = log;
    this.#witnesses = witnesses;
    this.#threshold = threshold;
    this.#origin = origin;
  }

  /** Checks the next line (its text without the newline, its 1-based number). Ignored after a failure or {@link finish}. */
  push(lineText: string, lineNumber: number): void {
    if (this.#failure !== undefined || this.#result !== undefined) return;
    // The common line, an entry as formatExportLine writes it, proven on its raw text; on anything
    // else, or anything wrong, the exact path decides (and words the failure).
    if (this.#expectsEntry() && this.#prover.load(lineText, 0, lineText.length) && this.#prover.proveAt(0, this.#range.size) === lineText.length) {
      this.#lastLine = lineNumber;
      this.#range.appendEntry(this.#prover.leaf);
      return;
    }
    this.#pushExact(lineText, lineNumber);
  }

  /**
   * Checks every line of `text`, numbered on from the last line pushed: lines end in a newline,
   * and a last one without it is a line too. The same as {@link push} for each, with less work
   * per line. Ignored after a failure or {@link finish}.
   */
  pushLines(text: string): void {
    let line = this.#lastLine;
    for (let start = 0; start < text.length && this.#failure === undefined && this.#result === undefined; ) {
      // A run of whole lines, copied into the prover at once.
      const newline = text.indexOf('\n', Math.min(start + LINES_AT_ONCE, text.length) - 1);
      const end = newline < 0 ? text.length : newline + 1;
      const loaded = this.#prover.load(text, start, end);
      while (start < end && this.#failure === undefined) {
        line += 1;
        let lineEnd = loaded && this.#expectsEntry() ? this.#prover.proveAt(start, this.#range.size) : -1;
        if (lineEnd >= 0) {
          this.#lastLine = line;
          this.#range.appendEntry(this.#prover.leaf);
        } else {
          lineEnd = text.indexOf('\n', start);
          if (lineEnd < 0) lineEnd = text.length;
          this.#pushExact(text.slice(start, lineEnd), line);
        }
        start = lineEnd + 1;
      }
    }
  }

  /** True while the header is in and it announces more entries than have come. */
  #expectsEntry(): boolean {
    return this.#header !== undefined && this.#range.size < this.#header.size;
  }

  /** The exact path: the line parsed and checked member by member. */
  #pushExact(lineText: string, lineNumber: number): void {
    this.#lastLine = lineNumber;
    const parsed = parseRawExportLine(lineText);
    if (!parsed.ok) {
      const { code, message } = badLine(parsed.error, this.#header === undefined);
      this.#fail({ line: lineNumber, code, message });
    } else if (this.#header === undefined) {
      if (parsed.value.type === 'header') this.#onHeader(parsed.value, lineNumber);
      else this.#fail({ line: lineNumber, code: 'not-an-export', message: 'not a Forgeline audit export: the first line is not a header' });
    } else if (parsed.value.type === 'entry') {
      this.#onEntry(parsed.value, lineNumber);
    } else if (parsed.value.type === 'checkpoint') {
      this.#onCheckpoint(parsed.value, lineNumber);
    } else {
      this.#fail({ line: lineNumber, code: 'malformed-line', message: 'only the first line may be a header' });
    }
  }

  /** The verdict, once the last line was pushed; later calls answer the same. */
  finish(): ExportVerification {
    this.#result ??= this.#failure === undefined ? this.#conclude() : { ok: false, failure: this.#failure };
    return this.#result;
  }

  #fail(failure: ExportFailure): void {
    this.#failure = failure;
  }

  #onHeader(header: ExportHeaderLine, line: number): void {
    if (header.origin !== this.#origin) {
      const message = `the export names origin "${header.origin.slice(0, 200)}", expected "${this.#origin}"`;
      return this.#fail({ line, code: 'wrong-origin', message });
    }
    this.#header = header;
  }

  #onEntry(entry: ExportRawEntryLine, line: number): void {
    const index = this.#range.size;
    const size = (this.#header as ExportHeaderLine).size;
    if (entry.index !== index) {
      const found = entry.index < index ? `entry ${entry.index} again` : `entry ${entry.index}`;
      return this.#fail({ line, index, code: 'index-gap', message: `expected entry ${index}, found ${found}` });
    }
    if (index >= size) return this.#fail({ line, index, code: 'header-mismatch', message: `entry ${index} is past the ${size} entries the header announces` });
    if (entry.fields.idx !== index) {
      const idx = entry.fields.idx;
      return this.#fail({ line, index, code: 'leaf-mismatch', message: `entry ${index}: fields.idx is ${typeof idx === 'number' ? idx : `a ${typeof idx}`}` });
    }
    // The leaf must be exactly the canonical bytes of the fields: comparing base64 to base64 proves
    // fields == leaf, that the leaf is canonical JSON and that its base64 is the one encoding.
    const text = entryLeafText(entry.fields);
    const bytes = text === undefined ? undefined : Buffer.from(text, 'utf8');
    if (bytes === undefined || bytes.toString('base64') !== entry.leaf) {
      return this.#fail({ line, index, code: 'leaf-mismatch', message: `entry ${index}: ${leafMismatch(entry)}` });
    }
    // Only now, the fields being the signed bytes, is their shape the log's and worth checking.
    const shape = exportEntryFieldsSchema.safeParse(entry.fields);
    if (!shape.success) return this.#fail({ line, index, code: 'malformed-line', message: `entry ${index} is not an audit entry: ${issueText(shape.error)}` });
    this.#range.appendEntry(bytes);
  }

  #onCheckpoint(checkpoint: ExportCheckpointLine, line: number): void {
    // Nothing in the note counts before the log key's signature and the origin are checked.
    const signed = verifyCheckpoint(checkpoint.checkpoint, this.#log, this.#origin);
    if (!signed.ok) {
      const code = NOTE_FAILURES[signed.error.code] ?? 'malformed-line';
      return this.#fail({ line, size: checkpoint.size, code, message: `checkpoint of size ${checkpoint.size}: ${signed.error.message}` });
    }
    const size = checkpoint.size;
    if (signed.value.size !== BigInt(size)) {
      return this.#fail({ line, size, code: 'malformed-line', message: `the line says size ${size}, its signed checkpoint ${signed.value.size}` });
    }
    const entries = this.#range.size;
    const previous = this.#last;
    if (previous !== undefined && size < previous.size) {
      return this.#fail({ line, size, code: 'checkpoint-regressed', message: `checkpoint of size ${size} comes after one of size ${previous.size}` });
    }
    if (size !== entries) {
      const place = size === 0 ? 'right after the header' : `right after entry ${size - 1}`;
      const message = `checkpoint of size ${size} belongs ${place}, but follows ${entries} entries`;
      return this.#fail({ line, size, code: 'checkpoint-out-of-place', message });
    }
    const root = previous?.size === size ? previous.root : this.#range.root();
    if (!Buffer.from(root).equals(signed.value.rootHash)) {
      const range = previous === undefined || previous.size === size ? `0 to ${size - 1}` : `${previous.size} to ${size - 1}`;
      const message = `checkpoint of size ${size}: its root is not the root of the entries before it; an entry from ${range} was changed`;
      return this.#fail({ line, size, code: 'root-mismatch', message });
    }
    this.#last = { size, root, note: checkpoint.checkpoint, line };
    this.#checkpoints += 1;
    // Witnesses cosign checkpoints some time after the log signs them: the newest one that
    // meets the threshold is what they vouch for; later ones are checked by the tree alone.
    if (this.#witnesses.length > 0 && verifyCosignatures(checkpoint.checkpoint, this.#witnesses, this.#threshold).ok) this.#witnessedSize = size;
  }

  #conclude(): ExportVerification {
    const end = this.#lastLine + 1;
    const fail = (failure: ExportFailure): ExportVerification => ({ ok: false, failure });
    const header = this.#header;
    if (header === undefined) return fail({ line: 1, code: 'not-an-export', message: 'not a Forgeline audit export: the file is empty' });
    const entries = this.#range.size;
    if (entries < header.size) {
      return fail({ line: end, index: entries, code: 'truncated', message: `the file ends after ${entries} of the ${header.size} entries its header announces` });
    }
    const last = this.#last;
    if (last === undefined || (entries > 0 && last.size === 0)) {
      return fail({ line: end, index: 0, code: 'no-checkpoint', message: `no signed checkpoint covers any of the ${entries} entries` });
    }
    if (this.#witnesses.length > 0 && this.#witnessedSize === undefined) {
      const cosigned = verifyCosignatures(last.note, this.#witnesses, this.#threshold);
      const code = cosigned.ok ? 'witness-threshold-not-met' : NOTE_FAILURES[cosigned.error.code] ?? 'malformed-line';
      return fail({ line: last.line, size: last.size, code, message: `no checkpoint carries the cosignatures of ${this.#threshold} of the ${this.#witnesses.length} witnesses${cosigned.ok ? '' : ` (the last, size ${last.size}: ${cosigned.error.message})`}` });
    }
    const lastCheckpoint = { size: last.size, rootHashBase64: Buffer.from(last.root).toString('base64') };
    return {
      ok: true, entries, checkpoints: this.#checkpoints, lastCheckpoint, uncoveredEntries: entries - last.size,
      ...(this.#witnessedSize !== undefined ? { witnessedSize: this.#witnessedSize } : {}),
    };
  }
}

/**
 * Verifies a whole export held in memory (small inputs, tests). A last line without its newline
 * that does not parse was cut off: that is reported as `truncated`. Throws
 * {@link ExportVerifierOptionsError} on unusable options, like the constructor.
 */
export function verifyExportText(text: string, options: ExportVerifierOptions): ExportVerification {
  const verifier = new ExportVerifier(options);
  verifier.pushLines(text);
  const result = verifier.finish();
  if (text.endsWith('\n') || text === '' || result.ok || result.failure.code !== 'malformed-line') return result;
  // The last line, without its newline, is where it failed: that line was cut off.
  const lines = text.split('\n').length;
  if (result.failure.line !== lines) return result;
  return { ok: false, failure: { ...result.failure, code: 'truncated', message: `the file ends inside line ${lines}` } };
}
