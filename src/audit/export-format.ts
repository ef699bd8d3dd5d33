/**
 * The audit export format `forgeline-audit-export/1`: JSON Lines, a header, one line per entry
 * carrying the exact bytes its Merkle leaf commits to, and each signed checkpoint right after the
 * entries it covers. Schemas, types, and one-line formatting and parsing. Pure.
 */
import { z } from 'zod';
import { canonicalJson } from '../crypto/index.js';
import { timestampSchema } from '../domain/index.js';
import { decodeBase64 } from './signed-note.js';

/** The format name a header carries; a verifier refuses any other. */
export const AUDIT_EXPORT_FORMAT = 'forgeline-audit-export/1';

/** The kinds of line, the `type` member of each. */
export const EXPORT_LINE_TYPES = ['header', 'entry', 'checkpoint'] as const;
/** One of {@link EXPORT_LINE_TYPES}. */
export type ExportLineType = (typeof EXPORT_LINE_TYPES)[number];

// z.int() is the safe-integer range, so indices and sizes are exact numbers.
const count = z.int().nonnegative();
const nullableText = z.string().nullable();
const jsonObject = z.custom<Readonly<Record<string, unknown>>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'expected a JSON object',
);

/**
 * The decoded fields of an audit entry, as the store writes them. Listed in RFC 8785 order, so the
 * parsed object serializes canonically as it is. `kind` and `outcome` stay open strings: a verifier
 * of today must still check an export holding kinds added later.
 */
export const exportEntryFieldsSchema = z.strictObject({
  actor: z.string(),
  actorId: nullableText,
  at: z.string(),
  // Passed through as parsed (not copied), so a `__proto__` member stays a plain member.
  detail: jsonObject,
  hashAfter: nullableText,
  hashBefore: nullableText,
  idx: count,
  kind: z.string(),
  orderId: nullableText,
  outcome: z.string(),
  revision: z.int().nullable(),
  source: nullableText,
});

/** The first line. Informational only: a verifier takes its key and origin from its caller, never from here. */
export const exportHeaderSchema = z.strictObject({
  type: z.literal('header'),
  format: z.literal(AUDIT_EXPORT_FORMAT),
  origin: z.string().min(1),
  exportedAt: timestampSchema,
  /** Number of entry lines that follow. */
  size: count,
});

const entryEnvelope = {
  type: z.literal('entry'),
  index: count,
  // A verifier checks it against the base64 of the canonical bytes, which also pins one encoding.
  leaf: z.string(),
};

/** An entry: `leaf` is the base64 of the exact bytes hashed into the tree, `fields` the same entry decoded. */
export const exportEntrySchema = z.strictObject({ ...entryEnvelope, fields: exportEntryFieldsSchema });

/**
 * An entry line whose `fields` are only known to be a JSON object: what a verifier compares with the
 * leaf (a changed column is a leaf mismatch at its index) before it checks the entry's shape.
 */
export const exportRawEntrySchema = z.strictObject({ ...entryEnvelope, fields: jsonObject });

/** A signed checkpoint of the first `size` entries, written right after entry `size - 1` (after the header for 0). */
export const exportCheckpointSchema = z.strictObject({
  type: z.literal('checkpoint'),
  size: count,
  /** The C2SP signed note text (tlog-checkpoint), witness cosignatures included. */
  checkpoint: z.string().min(1),
});

/** Any line of the format. */
export const exportLineSchema = z.discriminatedUnion('type', [exportHeaderSchema, exportEntrySchema, exportCheckpointSchema]);

/** The decoded fields of an audit entry. */
export type ExportEntryFields = Readonly<z.infer<typeof exportEntryFieldsSchema>>;
/** The header line. */
export type ExportHeaderLine = Readonly<z.infer<typeof exportHeaderSchema>>;
/** An entry line. */
export type ExportEntryLine = Readonly<Omit<z.infer<typeof exportEntrySchema>, 'fields'> & { fields: ExportEntryFields }>;
/** An entry line whose fields are any JSON object (see {@link exportRawEntrySchema}). */
export type ExportRawEntryLine = Readonly<z.infer<typeof exportRawEntrySchema>>;
/** A checkpoint line. */
export type ExportCheckpointLine = Readonly<z.infer<typeof exportCheckpointSchema>>;
/** Any line of the format. */
export type ExportLine = ExportHeaderLine | ExportEntryLine | ExportCheckpointLine;
/** Any line, entries' fields not yet checked for their shape. */
export type ExportRawLine = ExportHeaderLine | ExportRawEntryLine | ExportCheckpointLine;

/** Stable codes of {@link parseExportLine} failures. Add freely; never rename. */
export const EXPORT_LINE_ERROR_CODES = ['line-not-json', 'line-not-an-export-line', 'line-unsupported-format', 'line-invalid'] as const;
/** One of {@link EXPORT_LINE_ERROR_CODES}. */
export type ExportLineErrorCode = (typeof EXPORT_LINE_ERROR_CODES)[number];

/** Why a line was refused; `type` when the line did name a known line type. */
export interface ExportLineError {
  readonly code: ExportLineErrorCode;
  readonly message: string;
  readonly type?: ExportLineType;
}
/** The parsed line or why not. */
export type ExportLineResult<L = ExportLine> = { readonly ok: true; readonly value: L } | { readonly ok: false; readonly error: ExportLineError };

const SCHEMAS = { header: exportHeaderSchema, entry: exportEntrySchema, checkpoint: exportCheckpointSchema } as const;
const RAW_SCHEMAS = { ...SCHEMAS, entry: exportRawEntrySchema } as const;

const isLineType = (value: unknown): value is ExportLineType => EXPORT_LINE_TYPES.includes(value as ExportLineType);

function lineError(code: ExportLineErrorCode, message: string, type?: ExportLineType): { ok: false; error: ExportLineError } {
  return { ok: false, error: type === undefined ? { code, message } : { code, message, type } };
}

function parseWith<L>(text: string, schemas: Readonly<Record<ExportLineType, z.ZodType<L>>>): ExportLineResult<L> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return lineError('line-not-json', 'the line is not JSON');
  }
  const type: unknown = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (!isLineType(type)) return lineError('line-not-an-export-line', 'the line is not a header, entry or checkpoint of an audit export');
  const format: unknown = (value as { format?: unknown }).format;
  if (type === 'header' && format !== AUDIT_EXPORT_FORMAT) {
    const named = typeof format === 'string' ? `"${format.slice(0, 60)}"` : 'no format';
    return lineError('line-unsupported-format', `the header names ${named}, not "${AUDIT_EXPORT_FORMAT}"`, type);
  }
  const parsed = schemas[type].safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : lineError('line-invalid', `invalid ${type} line: ${issueText(parsed.error)}`, type);
}

/** The first problem zod found, as `path: message`. */
export function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `;
  // Messages can quote the input (an unknown key); a line stays a line.
  return `${where}${issue?.message ?? 'invalid'}`.slice(0, 200);
}

/**
 * Parses one line (without its newline; a trailing `\r` is tolerated) of an export. Untrusted input
 * never makes it throw: `line-not-json`, `line-not-an-export-line` (no known `type`),
 * `line-unsupported-format` (a header of another format) or `line-invalid` (a known type, malformed).
 */
export function parseExportLine(text: string): ExportLineResult {
  return parseWith<ExportLine>(text, SCHEMAS);
}

/** {@link parseExportLine}, but an entry's fields need only be a JSON object; check them with {@link exportEntryFieldsSchema}. */
export function parseRawExportLine(text: string): ExportLineResult<ExportRawLine> {
  return parseWith<ExportRawLine>(text, RAW_SCHEMAS);
}

// JSON.stringify escapes a lone surrogate as \udXXX (ES2019); such a string has no RFC 8785 form.
const SURROGATE_ESCAPE = /\\ud[89a-f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * True when JSON.stringify already writes this parsed JSON value in RFC 8785 form: every object's
 * keys in code-unit order (so its own order is the sorted one) and every number finite. Values from
 * JSON.parse hold no undefined, functions, toJSON methods or cycles, the other differences.
 */
function stringifiesCanonically(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(stringifiesCanonically);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    if ((i > 0 && (keys[i - 1] as string) >= key) || !stringifiesCanonically(record[key])) return false;
  }
  return true;
}

/**
 * The leaf text an entry line's `fields`, as JSON.parse gave them, must decode to: their RFC 8785
 * canonical JSON, or undefined when they have none (a lone surrogate, a number out of range, nesting
 * too deep to walk). Cheap in the common case, where the native serializer provably writes it.
 */
export function entryLeafText(fields: unknown): string | undefined {
  try {
    // About 2.5 times faster than canonicalJson (measured), which decides whenever the check fails.
    const text = JSON.stringify(fields);
    if (!SURROGATE_ESCAPE.test(text) && stringifiesCanonically(fields)) return text;
    return canonicalJson(fields);
  } catch {
    return undefined;
  }
}

/** Why an entry line's leaf is not {@link entryLeafText} of its fields, in words: slow, for a failure's message. */
export function leafMismatch(line: ExportRawEntryLine): string {
  const bytes = decodeBase64(line.leaf);
  if (bytes === undefined) return 'the leaf is not base64';
  let leaf: unknown;
  let text: string;
  try {
    text = UTF8.decode(bytes);
    leaf = JSON.parse(text);
  } catch {
    return 'the leaf is not UTF-8 JSON';
  }
  if (entryLeafText(leaf) !== text) return 'the leaf is not canonical JSON (RFC 8785)';
  if (typeof leaf !== 'object' || leaf === null || Array.isArray(leaf)) return 'the leaf is not an entry object';
  const own = (record: object, key: string): unknown => (Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined);
  const keys = [...new Set([...Object.keys(leaf), ...Object.keys(line.fields)])];
  const differing = keys.filter((key) => entryLeafText(own(leaf, key)) !== entryLeafText(own(line.fields, key)));
  return `the fields differ from the leaf at ${differing.map((key) => `fields.${key}`).join(', ') || 'fields'}`;
}

/**
 * One line of the export, `\n`-terminated, members in a fixed order and nothing else. An entry's
 * `fields` are written in canonical JSON, so they read exactly as the decoded leaf, and go out as
 * given, even when they differ from it (the verifier names that entry). Throws CanonicalJsonError
 * on fields that are not JSON: the caller's bug, not input.
 */
export function formatExportLine(line: ExportRawLine): string {
  switch (line.type) {
    case 'header': {
      const { type, format, origin, exportedAt, size } = line;
      return `${JSON.stringify({ type, format, origin, exportedAt, size })}\n`;
    }
    case 'entry':
      return `{"type":"entry","index":${JSON.stringify(line.index)},"leaf":${JSON.stringify(line.leaf)},"fields":${canonicalJson(line.fields)}}\n`;
    case 'checkpoint': {
      const { type, size, checkpoint } = line;
      return `${JSON.stringify({ type, size, checkpoint })}\n`;
    }
  }
}

/**
 * The entry line of the stored entry `entry` (its canonical JSON, the string whose UTF-8 bytes
 * the leaf hash covers) at `index`. Throws on an entry that is not JSON of the entry's shape.
 */
export function exportEntryLine(index: number, entry: string): ExportEntryLine {
  return exportEntrySchema.parse({ type: 'entry', index, leaf: Buffer.from(entry, 'utf8').toString('base64'), fields: JSON.parse(entry) as unknown });
}
