import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type WitnessSigner, cosignCheckpoint, signCheckpoint, witnessSigner } from '../../src/audit/checkpoint.js';
import {
  AUDIT_EXPORT_FORMAT,
  EXPORT_LINE_ERROR_CODES,
  type ExportLine,
  type ExportRawLine,
  exportEntryLine,
  formatExportLine,
  parseExportLine,
} from '../../src/audit/export-format.js';
import {
  EXPORT_FAILURE_CODES,
  EXPORT_VERIFIER_OPTION_ERROR_CODES,
  type ExportFailure,
  type ExportVerification,
  ExportVerifier,
  ExportVerifierOptionsError,
  type ExportVerifierOptions,
  verifyExportText,
} from '../../src/audit/export-verifier.js';
import { ed25519Signer, verifierKey } from '../../src/audit/signed-note.js';
import { canonicalJson } from '../../src/crypto/canonical-json.js';
import { leafHash, rootOf } from '../../src/crypto/merkle.js';

const ORIGIN = 'forgeline.example/audit';
const newKey = (): KeyObject => generateKeyPairSync('ed25519').privateKey;
const logKey = newKey();
const LOG = ed25519Signer(ORIGIN, logKey);
const LOG_KEY = verifierKey(ORIGIN, logKey);
const witnessKeys = [newKey(), newKey(), newKey()];
const WITNESSES: WitnessSigner[] = witnessKeys.map((key, i) => witnessSigner(`witness.example/w${i + 1}`, key));
const WITNESS_KEYS = witnessKeys.map((key, i) => verifierKey(`witness.example/w${i + 1}`, key, 0x04));

// ---- factories ----------------------------------------------------------------------------

const base64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The stored bytes (as a string) of audit entry `idx`, as the store writes them. */
function entryText(idx: number, over: Record<string, unknown> = {}): string {
  return canonicalJson({
    idx,
    at: new Date(Date.UTC(2025, 0, 1) + idx * 60_000).toISOString(),
    actorId: idx % 3 === 0 ? null : `0190a1b2-c3d4-7e5f-8a9b-${String(idx).padStart(12, '0')}`,
    actor: idx % 3 === 0 ? 'system' : 'pia.planner',
    source: idx % 2 === 0 ? '10.0.0.7' : null,
    kind: idx % 2 === 0 ? 'order.create' : 'order.release',
    outcome: idx % 5 === 4 ? 'denied' : 'ok',
    orderId: `0190a1b2-0000-7000-8000-${String(idx).padStart(12, '0')}`,
    revision: idx % 4,
    hashBefore: null,
    hashAfter: 'ab'.repeat(32),
    detail: { number: `PO-${idx}`, note: 'größe ✓ 𝄞', quantity: idx * 1.5 },
    ...over,
  });
}

const checkpointNote = (size: number, entries: readonly string[], over: { origin?: string; root?: Uint8Array; signer?: typeof LOG } = {}): string =>
  signCheckpoint(
    { origin: over.origin ?? ORIGIN, size, rootHash: over.root ?? rootOf(entries.slice(0, size).map((e) => leafHash(Buffer.from(e, 'utf8')))) },
    over.signer ?? LOG,
  );

/**
 * The lines (without newlines) of an export of `entries`, a checkpoint after each size in `at`
 * (a note from `notes` if given there, else one signed now).
 */
function exportLines(entries: readonly string[], at: readonly number[], notes: ReadonlyMap<number, string> = new Map()): string[] {
  const line = (value: ExportRawLine): string => formatExportLine(value).slice(0, -1);
  const checkpointsAt = (size: number): string[] =>
    at.filter((s) => s === size).map((s) => line({ type: 'checkpoint', size: s, checkpoint: notes.get(s) ?? checkpointNote(s, entries) }));
  const lines = [line({ type: 'header', format: AUDIT_EXPORT_FORMAT, origin: ORIGIN, exportedAt: '2025-01-02T03:04:05.000Z', size: entries.length })];
  lines.push(...checkpointsAt(0));
  entries.forEach((entry, i) => {
    const fields = JSON.parse(entry) as Record<string, unknown>;
    lines.push(line({ type: 'entry', index: i, leaf: base64(entry), fields }), ...checkpointsAt(i + 1));
  });
  return lines;
}

const ENTRIES = Array.from({ length: 12 }, (_, i) => entryText(i));
const CHECKPOINTS = [0, 4, 8, 12];
/** The good export: header (line 1), checkpoint 0 (2), entries 0-3 (3-6), checkpoint 4 (7), entries 4-7 (8-11), checkpoint 8 (12), entries 8-11 (13-16), checkpoint 12 (17). */
const GOOD = exportLines(ENTRIES, CHECKPOINTS);
const NOTES = new Map(CHECKPOINTS.map((size) => [size, checkpointNote(size, ENTRIES)]));
/** The 0-based position in GOOD of entry `i`'s line. */
const entryPos = (i: number): number => i + 2 + Math.floor(i / 4);
const checkpointPos = (size: number): number => entryPos(size - 1) + 1;

const text = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');
const verify = (lines: readonly string[], options: Partial<ExportVerifierOptions> = {}): ExportVerification =>
  verifyExportText(text(lines), { logKey: LOG_KEY, ...options });
const failureOf = (result: ExportVerification): ExportFailure => {
  if (result.ok) throw new Error('expected the export to fail verification');
  return result.failure;
};
/** GOOD with the line at `pos` replaced by `edit(parsed line)`. */
function editLine(pos: number, edit: (line: Record<string, unknown>) => Record<string, unknown>, lines: readonly string[] = GOOD): string[] {
  const copy = [...lines];
  copy[pos] = JSON.stringify(edit(JSON.parse(copy[pos] as string) as Record<string, unknown>));
  return copy;
}
// ---- tests --------------------------------------------------------------------------------

describe('verifying a good export', () => {
  it('verifies every entry and checkpoint, and reports the last checkpoint', () => {
    const root = rootOf(ENTRIES.map((e) => leafHash(Buffer.from(e, 'utf8'))));
    expect(verify(GOOD)).toEqual({
      ok: true,
      entries: 12,
      checkpoints: 4,
      lastCheckpoint: { size: 12, rootHashBase64: Buffer.from(root).toString('base64') },
      uncoveredEntries: 0,
    });
  });

  it('gives the same verdict fed line by line, and keeps it after finish', () => {
    const verifier = new ExportVerifier({ logKey: LOG_KEY });
    GOOD.forEach((line, i) => verifier.push(line, i + 1));
    const result = verifier.finish();
    expect(result).toEqual(verify(GOOD));
    verifier.push('garbage', 99);
    expect(verifier.finish()).toBe(result);
  });

  it('counts the entries after the last checkpoint as uncovered', () => {
    expect(verify(exportLines(ENTRIES, [0, 4, 9]))).toMatchObject({ ok: true, entries: 12, checkpoints: 3, lastCheckpoint: { size: 9 }, uncoveredEntries: 3 });
  });

  it('accepts the same checkpoint twice, CRLF line ends, and an empty log with its size-0 checkpoint', () => {
    expect(verify(exportLines(ENTRIES, [0, 4, 4, 12]))).toMatchObject({ ok: true, checkpoints: 4 });
    expect(verifyExportText(GOOD.map((l) => `${l}\r\n`).join(''), { logKey: LOG_KEY })).toMatchObject({ ok: true, entries: 12 });
    expect(verify(exportLines([], [0]))).toMatchObject({ ok: true, entries: 0, lastCheckpoint: { size: 0 }, uncoveredEntries: 0 });
  });

  it('verifies entries whose canonical form the native serializer does not give (integer-like keys, __proto__)', () => {
    const entries = [entryText(0, { detail: { '10': 'b', '2': 'a', z: [1, { y: 0, x: -0 }] } }), entryText(1, { detail: JSON.parse('{"__proto__":{"polluted":true}}') as unknown })];
    const lines = exportLines(entries, [2]);
    expect(lines[1]).toContain('"detail":{"10":"b","2":"a"');
    expect(verify(lines)).toMatchObject({ ok: true, entries: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('tampered entries', () => {
  it('names the entry whose leaf bytes changed by one byte', () => {
    const forged = Buffer.from(ENTRIES[5] as string, 'utf8');
    forged[forged.indexOf('pia')] = 'P'.charCodeAt(0);
    const lines = editLine(entryPos(5), (l) => ({ ...l, leaf: forged.toString('base64') }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'leaf-mismatch', index: 5, line: entryPos(5) + 1, message: expect.stringContaining('fields.actor') });
  });

  it('names the entry whose field changed', () => {
    const lines = editLine(entryPos(6), (l) => ({ ...l, fields: { ...(l.fields as object), outcome: 'denied' } }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'leaf-mismatch', index: 6, line: entryPos(6) + 1, message: expect.stringContaining('fields.outcome') });
  });

  it('refuses fields.idx other than the index, a leaf that is not canonical JSON, and base64 that is not the one encoding', () => {
    const idx = editLine(entryPos(2), (l) => ({ ...l, fields: { ...(l.fields as object), idx: 3 } }));
    expect(failureOf(verify(idx))).toMatchObject({ code: 'leaf-mismatch', index: 2 });
    const spaced = JSON.stringify(JSON.parse(ENTRIES[2] as string), null, 1);
    const notCanonical = editLine(entryPos(2), (l) => ({ ...l, leaf: base64(spaced) }));
    expect(failureOf(verify(notCanonical))).toMatchObject({ code: 'leaf-mismatch', index: 2, message: expect.stringContaining('not canonical') });
    const unpadded = editLine(entryPos(2), (l) => ({ ...l, leaf: (l.leaf as string).replace(/=+$/, '') }));
    expect(base64(ENTRIES[2] as string)).toMatch(/=$/);
    expect(failureOf(verify(unpadded))).toMatchObject({ code: 'leaf-mismatch', index: 2, message: expect.stringContaining('not base64') });
  });

  it('refuses fields that only the native serializer would make match (a lone surrogate, an infinite number)', () => {
    const surrogate = ENTRIES[1]?.replace('"actor":"pia.planner"', '"actor":"\\ud800"') as string;
    const lines = editLine(entryPos(1), (l) => ({ ...l, leaf: base64(surrogate), fields: JSON.parse(surrogate) as unknown }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'leaf-mismatch', index: 1 });
    const withNull = entryText(1, { detail: { quantity: null } });
    const infinite = [...GOOD];
    infinite[entryPos(1)] = `{"type":"entry","index":1,"leaf":"${base64(withNull)}","fields":${withNull.replace('"quantity":null', '"quantity":1e999')}}`;
    expect(failureOf(verify(infinite))).toMatchObject({ code: 'leaf-mismatch', index: 1 });
  });

  it('names the first missing index when an entry line is deleted', () => {
    const lines = GOOD.filter((_, i) => i !== entryPos(5));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'index-gap', index: 5, line: entryPos(5) + 1, message: 'expected entry 5, found entry 6' });
  });

  it('names the first bad index when two entry lines are swapped', () => {
    const lines = [...GOOD];
    [lines[entryPos(5)], lines[entryPos(6)]] = [GOOD[entryPos(6)] as string, GOOD[entryPos(5)] as string];
    expect(failureOf(verify(lines))).toMatchObject({ code: 'index-gap', index: 5, line: entryPos(5) + 1 });
  });

  it('names the index after a duplicated entry line', () => {
    const lines = [...GOOD];
    lines.splice(entryPos(5) + 1, 0, GOOD[entryPos(5)] as string);
    expect(failureOf(verify(lines))).toMatchObject({ code: 'index-gap', index: 6, line: entryPos(5) + 2, message: 'expected entry 6, found entry 5 again' });
  });

  it('catches a forged entry inserted with its index taken, as an index gap', () => {
    const lines = [...GOOD];
    lines.splice(entryPos(5), 0, formatExportLine(exportEntryLine(5, entryText(5, { actor: 'mallory' }))).trimEnd());
    expect(failureOf(verify(lines))).toMatchObject({ code: 'index-gap', index: 6, line: entryPos(5) + 2 });
  });

  it('catches a self-consistent forged entry, inserted with the later ones renumbered, at the next checkpoint', () => {
    const forged = [...ENTRIES.slice(0, 5), entryText(5, { actor: 'mallory' }), ...ENTRIES.slice(5).map((e, i) => entryText(i + 6, { ...(JSON.parse(e) as object), idx: i + 6 }))];
    const lines = exportLines(forged, CHECKPOINTS, NOTES);
    expect(failureOf(verify(lines))).toMatchObject({ code: 'root-mismatch', size: 8, line: checkpointPos(8) + 1 });
    expect(failureOf(verify(lines)).message).toContain('from 4 to 7');
  });

  it('catches a self-consistent forged replacement of an entry at the next checkpoint', () => {
    const forged = ENTRIES.map((e, i) => (i === 9 ? entryText(9, { outcome: 'ok', kind: 'order.cancel' }) : e));
    expect(failureOf(verify(exportLines(forged, CHECKPOINTS, NOTES)))).toMatchObject({ code: 'root-mismatch', size: 12, line: checkpointPos(12) + 1 });
  });

  it('refuses an entry whose signed bytes are not an audit entry, naming it', () => {
    const entries = [...ENTRIES.slice(0, 3), canonicalJson({ idx: 3, note: 'not an entry' })];
    expect(failureOf(verify(exportLines(entries, [0, 4])))).toMatchObject({ code: 'malformed-line', index: 3, line: 6 });
  });
});

describe('truncated and malformed files', () => {
  it('reports a file cut after an entry as truncated, naming the first missing index', () => {
    const lines = GOOD.slice(0, entryPos(9) + 1);
    expect(failureOf(verify(lines))).toMatchObject({ code: 'truncated', index: 10, line: lines.length + 1 });
  });

  it('reports a file cut inside a line as truncated', () => {
    const cut = text(GOOD).slice(0, -40);
    expect(failureOf(verifyExportText(cut, { logKey: LOG_KEY }))).toMatchObject({ code: 'truncated', line: GOOD.length });
  });

  it('names a line that is not JSON', () => {
    const lines = [...GOOD];
    lines.splice(entryPos(3), 0, 'not json at all');
    expect(failureOf(verify(lines))).toMatchObject({ code: 'malformed-line', line: entryPos(3) + 1 });
    const blank = [...GOOD];
    blank.splice(entryPos(3), 0, '');
    expect(failureOf(verify(blank))).toMatchObject({ code: 'malformed-line', line: entryPos(3) + 1 });
  });

  it('refuses an empty file and a file that is not an export', () => {
    expect(failureOf(verifyExportText('', { logKey: LOG_KEY }))).toMatchObject({ code: 'not-an-export', line: 1 });
    expect(failureOf(verifyExportText('hello\n', { logKey: LOG_KEY }))).toMatchObject({ code: 'not-an-export', line: 1 });
    expect(failureOf(verify(GOOD.slice(1)))).toMatchObject({ code: 'not-an-export', line: 1 });
    const otherFormat = editLine(0, (l) => ({ ...l, format: 'forgeline-audit-export/9' }));
    expect(failureOf(verify(otherFormat))).toMatchObject({ code: 'not-an-export', line: 1, message: expect.stringContaining('forgeline-audit-export/9') });
    expect(failureOf(verify(editLine(0, (l) => ({ ...l, size: -1 }))))).toMatchObject({ code: 'malformed-line', line: 1 });
  });

  it('refuses a second header, a header of another origin, and more entries than the header announces', () => {
    expect(failureOf(verify([...GOOD.slice(0, 3), GOOD[0] as string]))).toMatchObject({ code: 'malformed-line', line: 4 });
    expect(failureOf(verify(editLine(0, (l) => ({ ...l, origin: 'other.example/log' }))))).toMatchObject({ code: 'wrong-origin', line: 1 });
    expect(failureOf(verify(editLine(0, (l) => ({ ...l, size: 10 }))))).toMatchObject({ code: 'header-mismatch', index: 10 });
  });

  it('stops at the first failure', () => {
    const lines = GOOD.filter((_, i) => i !== entryPos(2));
    lines[entryPos(8)] = 'not json';
    expect(failureOf(verify(lines))).toMatchObject({ code: 'index-gap', index: 2 });
  });
});

describe('tampered checkpoints', () => {
  const withCheckpoint = (size: number, note: string, pos = checkpointPos(size)): string[] => {
    const lines = [...GOOD];
    lines[pos] = JSON.stringify({ type: 'checkpoint', size, checkpoint: note });
    return lines;
  };

  it('refuses a checkpoint signed by another key', () => {
    const other = ed25519Signer(ORIGIN, newKey());
    const lines = withCheckpoint(8, checkpointNote(8, ENTRIES, { signer: other }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'unknown-key', size: 8, line: checkpointPos(8) + 1 });
  });

  it('refuses a checkpoint whose signature by the log key does not verify', () => {
    const note = NOTES.get(8) as string;
    const forged = note.replace(/\n(\d+)\n/, '\n9\n');
    expect(forged).not.toBe(note);
    expect(failureOf(verify(withCheckpoint(8, forged)))).toMatchObject({ code: 'bad-signature', line: checkpointPos(8) + 1 });
  });

  it('refuses a checkpoint of another origin signed by the log key', () => {
    const lines = withCheckpoint(4, checkpointNote(4, ENTRIES, { origin: 'other.example/log' }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'wrong-origin', size: 4, line: checkpointPos(4) + 1 });
  });

  it('refuses a signed checkpoint whose root is not the root of the entries before it, naming the size', () => {
    const lines = withCheckpoint(8, checkpointNote(8, ENTRIES, { root: leafHash(Buffer.from('x')) }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'root-mismatch', size: 8, line: checkpointPos(8) + 1, message: expect.stringContaining('size 8') });
  });

  it('refuses a checkpoint out of place', () => {
    const lines = [...GOOD];
    const [moved] = lines.splice(checkpointPos(4), 1);
    lines.splice(entryPos(5), 0, moved as string);
    expect(failureOf(verify(lines))).toMatchObject({ code: 'checkpoint-out-of-place', size: 4, line: entryPos(5) + 1, message: expect.stringContaining('after entry 3') });
    const early = [...GOOD];
    early.splice(2, 0, GOOD[checkpointPos(12)] as string);
    expect(failureOf(verify(early))).toMatchObject({ code: 'checkpoint-out-of-place', size: 12, line: 3 });
  });

  it('refuses a checkpoint smaller than the one before it', () => {
    const lines = [...GOOD];
    lines.splice(checkpointPos(8) + 1, 0, GOOD[checkpointPos(4)] as string);
    expect(failureOf(verify(lines))).toMatchObject({ code: 'checkpoint-regressed', size: 4, line: checkpointPos(8) + 2 });
  });

  it('refuses a checkpoint line whose size differs from its signed size', () => {
    const lines = editLine(checkpointPos(8), (l) => ({ ...l, size: 7 }));
    expect(failureOf(verify(lines))).toMatchObject({ code: 'malformed-line', line: checkpointPos(8) + 1 });
  });

  it('refuses an export whose entries no checkpoint covers', () => {
    expect(failureOf(verify(exportLines(ENTRIES, [0])))).toMatchObject({ code: 'no-checkpoint', index: 0 });
    expect(failureOf(verify(exportLines(ENTRIES, []))).code).toBe('no-checkpoint');
  });
});

describe('witness cosignatures on the last checkpoint', () => {
  const T = 1_736_000_000;
  const cosignedExport = (...witnesses: WitnessSigner[]): string[] => {
    let note = NOTES.get(12) as string;
    for (const witness of witnesses) {
      const cosigned = cosignCheckpoint(note, witness, T);
      if (!cosigned.ok) throw new Error(cosigned.error.message);
      note = cosigned.value;
    }
    return exportLines(ENTRIES, CHECKPOINTS, new Map([...NOTES, [12, note]]));
  };
  const [w1, w2, w3] = WITNESSES as [WitnessSigner, WitnessSigner, WitnessSigner];

  it('accepts 2 of 3 witnesses at threshold 2', () => {
    expect(verify(cosignedExport(w1, w3), { witnessKeys: WITNESS_KEYS, witnessThreshold: 2 })).toMatchObject({ ok: true, entries: 12 });
  });

  it('refuses 1 of 3 at threshold 2, and 2 of 3 when all are required (the default)', () => {
    expect(failureOf(verify(cosignedExport(w2), { witnessKeys: WITNESS_KEYS, witnessThreshold: 2 }))).toMatchObject({
      code: 'witness-threshold-not-met',
      size: 12,
      line: checkpointPos(12) + 1,
    });
    expect(failureOf(verify(cosignedExport(w1, w2), { witnessKeys: WITNESS_KEYS })).code).toBe('witness-threshold-not-met');
  });

  it('refuses a known witness line that does not verify', () => {
    const lines = cosignedExport(w1, w2);
    const last = JSON.parse(lines[checkpointPos(12)] as string) as { checkpoint: string };
    const cosignature = /— witness\.example\/w2 (\S+)/.exec(last.checkpoint)?.[1] as string;
    const bytes = Buffer.from(cosignature, 'base64');
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;
    const forged = last.checkpoint.replace(cosignature, bytes.toString('base64'));
    lines[checkpointPos(12)] = JSON.stringify({ type: 'checkpoint', size: 12, checkpoint: forged });
    expect(failureOf(verify(lines, { witnessKeys: WITNESS_KEYS, witnessThreshold: 1 }))).toMatchObject({ code: 'bad-signature', line: checkpointPos(12) + 1 });
  });
});

describe('verifier options', () => {
  const optionError = (options: ExportVerifierOptions): ExportVerifierOptionsError => {
    try {
      new ExportVerifier(options);
    } catch (error) {
      if (error instanceof ExportVerifierOptionsError) return error;
      throw error;
    }
    throw new Error('expected the options to be refused');
  };

  it('refuses unusable keys and policies with a one-line typed error', () => {
    const cases: [ExportVerifierOptions, string][] = [
      [{ logKey: 'not a key' }, 'log-key-invalid'],
      [{ logKey: WITNESS_KEYS[0] as string }, 'log-key-invalid'],
      [{ logKey: LOG_KEY, witnessKeys: [LOG_KEY] }, 'witness-key-invalid'],
      [{ logKey: LOG_KEY, witnessKeys: [WITNESS_KEYS[0] as string, WITNESS_KEYS[0] as string] }, 'witness-key-invalid'],
      [{ logKey: LOG_KEY, witnessKeys: WITNESS_KEYS, witnessThreshold: 4 }, 'witness-threshold-invalid'],
      [{ logKey: LOG_KEY, witnessKeys: WITNESS_KEYS, witnessThreshold: 0 }, 'witness-threshold-invalid'],
      [{ logKey: LOG_KEY, witnessThreshold: 1 }, 'witness-threshold-invalid'],
      [{ logKey: LOG_KEY, expectedOrigin: '' }, 'origin-invalid'],
    ];
    for (const [options, code] of cases) {
      const error = optionError(options);
      expect(error.code).toBe(code);
      expect(error.message).not.toContain('\n');
    }
  });

  it('checks the origin given instead of the key name', () => {
    expect(failureOf(verify(GOOD, { expectedOrigin: 'other.example/log' }))).toMatchObject({ code: 'wrong-origin', line: 1 });
  });

  it('pins the failure and option error codes', () => {
    expect(EXPORT_FAILURE_CODES).toEqual([
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
    ]);
    expect(EXPORT_VERIFIER_OPTION_ERROR_CODES).toEqual(['log-key-invalid', 'witness-key-invalid', 'witness-threshold-invalid', 'origin-invalid']);
    expect(EXPORT_LINE_ERROR_CODES).toEqual(['line-not-json', 'line-not-an-export-line', 'line-unsupported-format', 'line-invalid']);
  });
});

describe('export lines', () => {
  it('formats one line each and parses it back', () => {
    const entry = exportEntryLine(3, ENTRIES[3] as string);
    const line = formatExportLine(entry);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).toContain(`"fields":${ENTRIES[3]}}`);
    expect(parseExportLine(line.slice(0, -1))).toEqual({ ok: true, value: entry });
    const header = { type: 'header', format: AUDIT_EXPORT_FORMAT, origin: ORIGIN, exportedAt: '2025-01-02T03:04:05Z', size: 0 } as const;
    expect(parseExportLine(JSON.stringify({ ...header, extra: 1 }))).toMatchObject({ ok: false, error: { code: 'line-invalid', type: 'header' } });
    expect(parseExportLine(formatExportLine({ ...header, extra: 1 } as ExportLine))).toEqual({ ok: true, value: header });
  });

  it('never throws on untrusted lines', () => {
    const anyLine = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((fields) => JSON.stringify({ type: 'entry', index: 0, leaf: '', fields })),
      fc.record({ type: fc.constantFrom('header', 'entry', 'checkpoint'), size: fc.jsonValue(), index: fc.jsonValue() }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 5 }), (lines) => {
        for (const line of lines) expect(typeof parseExportLine(line).ok).toBe('boolean');
        const verifier = new ExportVerifier({ logKey: LOG_KEY });
        [GOOD[0] as string, ...lines].forEach((line, i) => verifier.push(line, i + 1));
        expect(typeof verifier.finish().ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
