/**
 * What an {@link ExportVerifier} verifies against, the errors of unusable options, and their
 * parsing into the keys it checks with.
 */
import { parseWitnessKey } from './checkpoint.js';
import { type NoteVerifier, parseVerifierKey } from './signed-note.js';

/** What to verify against: the log's C2SP verifier key line, and optionally witnesses and an origin. */
export interface ExportVerifierOptions {
  /** `<name>+<hex key id>+<base64(0x01 || key)>`, obtained from the log out of band. */
  readonly logKey: string;
  /** Witness verifier key lines (signature type 0x04). */
  readonly witnessKeys?: readonly string[];
  /** How many of `witnessKeys` must cosign the last checkpoint; default all of them. */
  readonly witnessThreshold?: number;
  /** The checkpoint origin; default the log key's name (tlog-checkpoint: the key name is the origin). */
  readonly expectedOrigin?: string;
}

/** Stable codes of {@link ExportVerifierOptionsError}. Add freely; never rename. */
export const EXPORT_VERIFIER_OPTION_ERROR_CODES = ['log-key-invalid', 'witness-key-invalid', 'witness-threshold-invalid', 'origin-invalid'] as const;
/** One of {@link EXPORT_VERIFIER_OPTION_ERROR_CODES}. */
export type ExportVerifierOptionErrorCode = (typeof EXPORT_VERIFIER_OPTION_ERROR_CODES)[number];

/** Thrown by the {@link ExportVerifier} constructor on unusable options; the message is one line, safe to show. */
export class ExportVerifierOptionsError extends Error {
  constructor(
    readonly code: ExportVerifierOptionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExportVerifierOptionsError';
  }
}

/** Parsed options: the log's key, the witnesses' keys and threshold, and the origin to expect. */
export interface ParsedVerifierOptions {
  readonly log: NoteVerifier;
  readonly witnesses: readonly NoteVerifier[];
  readonly threshold: number;
  readonly origin: string;
}

/** Parses `options`; throws {@link ExportVerifierOptionsError} on a key line that does not parse or an impossible witness policy. */
export function parseVerifierOptions(options: ExportVerifierOptions): ParsedVerifierOptions {
  const log = parseVerifierKey(options.logKey);
  if (!log.ok) throw new ExportVerifierOptionsError('log-key-invalid', `the log key is not usable: ${log.error.message}`);
  const witnesses = (options.witnessKeys ?? []).map((line, i) => {
    const witness = parseWitnessKey(line);
    if (!witness.ok) throw new ExportVerifierOptionsError('witness-key-invalid', `witness key ${i + 1} is not usable: ${witness.error.message}`);
    return witness.value;
  });
  // cosignature/v1 does not commit to the name, so one key listed twice would count twice.
  if (new Set(witnesses.map((w) => Buffer.from(w.publicKey).toString('hex'))).size !== witnesses.length) {
    throw new ExportVerifierOptionsError('witness-key-invalid', 'two witness keys share a public key');
  }
  const threshold = options.witnessThreshold ?? witnesses.length;
  if (witnesses.length === 0 ? options.witnessThreshold !== undefined : !Number.isInteger(threshold) || threshold < 1 || threshold > witnesses.length) {
    throw new ExportVerifierOptionsError('witness-threshold-invalid', `the witness threshold must be from 1 to the ${witnesses.length} witness keys`);
  }
  const origin = options.expectedOrigin ?? log.value.name;
  if (origin === '' || origin.includes('\n')) throw new ExportVerifierOptionsError('origin-invalid', 'the expected origin must be one non-empty line');
  return { log: log.value, witnesses, threshold, origin };
}
