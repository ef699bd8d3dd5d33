import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_EXPORT_FORMAT,
  type ExportVerification,
  ExportVerifier,
  ephemeralAuditIdentity,
  exportEntryLine,
  formatExportLine,
  signCheckpoint,
  verifierKey,
  verifyExportText,
} from '../../src/audit/index.js';
import { EntryLineProver, fastEntryLeaf } from '../../src/audit/export-fast-entry.js';
import { CompactRange, canonicalJson, leafHash } from '../../src/crypto/index.js';

const entryFields = fc.record({
  idx: fc.nat({ max: 1000 }),
  at: fc.constant('2026-11-26T08:00:00.000Z'),
  actorId: fc.option(fc.uuid(), { nil: null }),
  actor: fc.string({ minLength: 1, maxLength: 12 }),
  source: fc.option(fc.constant('127.0.0.1'), { nil: null }),
  kind: fc.constantFrom('order.create', 'order.release', 'session.create'),
  outcome: fc.constantFrom('ok', 'denied'),
  orderId: fc.option(fc.uuid(), { nil: null }),
  revision: fc.option(fc.nat({ max: 50 }), { nil: null }),
  hashBefore: fc.constant(null),
  hashAfter: fc.constant(null),
  detail: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
});

describe('the export verifier fast path', () => {
  it('takes the lines formatExportLine writes for ordinary entries', () => {
    const fields = { idx: 7, at: '2026-11-26T08:00:00.000Z', actorId: null, actor: 'pia', source: '10.0.0.1', kind: 'order.release', outcome: 'ok', orderId: null, revision: 2, hashBefore: 'ab', hashAfter: 'ab', detail: { meaning: 'approved for production', lots: [{ lot: 'HEAT-1', quantity: '2.5' }] } };
    const entry = canonicalJson(fields);
    const line = formatExportLine(exportEntryLine(7, entry)).trimEnd();
    expect(fastEntryLeaf(line, 7)?.toString('utf8')).toBe(entry);
    expect(fastEntryLeaf(line, 8)).toBeUndefined();
    expect(fastEntryLeaf(line.replace('"actor":"pia"', '"actor":"eve"'), 7)).toBeUndefined();
  });

  it('proves exactly what the exact path proves: the fields text is the leaf, canonical, with idx = index', () => {
    fc.assert(
      fc.property(entryFields, fc.nat({ max: 400 }), fc.string({ maxLength: 3 }), (fields, at, insert) => {
        const entry = canonicalJson(fields);
        const line = formatExportLine(exportEntryLine(fields.idx, entry)).trimEnd();
        const intact = fastEntryLeaf(line, fields.idx);
        if (intact) expect(intact.toString('utf8')).toBe(entry);
        // Any mutation the fast path still accepts must be a line whose fields are exactly its leaf.
        const mutated = line.slice(0, at) + insert + line.slice(at);
        const accepted = fastEntryLeaf(mutated, fields.idx);
        if (accepted) {
          const parsed = JSON.parse(mutated) as { index: number; leaf: string; fields: { idx: number } };
          expect(parsed.index).toBe(fields.idx);
          expect(parsed.fields.idx).toBe(fields.idx);
          expect(Buffer.from(parsed.leaf, 'base64').equals(accepted)).toBe(true);
          expect(canonicalJson(parsed.fields)).toBe(accepted.toString('utf8'));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ---- a large export, many runs of lines long, to check the fast path with the verdicts it leaves to the exact path ----

const ORIGIN = 'forgeline.example/fast';
const identity = ephemeralAuditIdentity(ORIGIN);
const LOG_KEY = verifierKey(ORIGIN, identity.publicKey);
const EVERY = 100;

/** Entry `idx` as the store writes it: integers only, so every line can take the fast path; some past ASCII. */
function entry(idx: number): string {
  return canonicalJson({
    idx, at: new Date(Date.UTC(2026, 0, 1) + idx * 1000).toISOString(), actorId: null, actor: idx % 7 === 3 ? 'jürgen ✓ 𝄞' : 'pia.planner',
    source: '10.0.0.7', kind: 'order.release', outcome: 'ok', orderId: `0190a1b2-0000-7000-8000-${String(idx).padStart(12, '0')}`,
    revision: idx % 4, hashBefore: 'cd'.repeat(32), hashAfter: 'ab'.repeat(32),
    detail: { lots: [{ lot: `LOT-${idx}`, quantity: '12.5' }], number: `PO-${idx}`, seq: idx, text: 'x'.repeat(400) },
  });
}

const entryLine = (index: number, text: string): string => formatExportLine(exportEntryLine(index, text)).slice(0, -1);

/** The lines of an export of `entries`: the header, then each entry with a signed checkpoint after every EVERY of them and the last. */
function exportOf(entries: readonly string[]): string[] {
  const range = new CompactRange();
  const lines = [formatExportLine({ type: 'header', format: AUDIT_EXPORT_FORMAT, origin: ORIGIN, exportedAt: '2026-02-01T00:00:00.000Z', size: entries.length }).slice(0, -1)];
  entries.forEach((text, i) => {
    range.append(leafHash(Buffer.from(text, 'utf8')));
    lines.push(entryLine(i, text));
    if (range.size % EVERY === 0 || range.size === entries.length) {
      const note = signCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() }, identity.signer);
      lines.push(formatExportLine({ type: 'checkpoint', size: range.size, checkpoint: note }).slice(0, -1));
    }
  });
  return lines;
}

const ENTRIES = Array.from({ length: 450 }, (_, i) => entry(i));
const GOOD = exportOf(ENTRIES);
/** The 0-based position in GOOD of entry `i`'s line: after the header and one checkpoint per EVERY entries before it. */
const positionOf = (i: number): number => 1 + i + Math.floor(i / EVERY);
/** Entry 333: far past the first run of lines the verifier loads at once (GOOD is about 400,000 characters). */
const K = 333;

const joined = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('');
/** The verdict of verifyExportText (runs of lines at once) and of push, line by line: they must agree. */
function verdicts(lines: readonly string[]): ExportVerification {
  const whole = verifyExportText(joined(lines), { logKey: LOG_KEY });
  const verifier = new ExportVerifier({ logKey: LOG_KEY });
  lines.forEach((line, i) => verifier.push(line, i + 1));
  expect(verifier.finish()).toEqual(whole);
  return whole;
}
function failureOf(result: ExportVerification): { line: number; index?: number; size?: number; code: string } {
  if (result.ok) throw new Error('expected the export to fail verification');
  return result.failure;
}
/** GOOD with the line at `position` replaced. */
const withLine = (position: number, line: string): string[] => GOOD.map((old, i) => (i === position ? line : old));

describe('the fast path over a whole export', () => {
  it('proves every entry line of a good export, which verifies the same whole or line by line', () => {
    expect(joined(GOOD).length).toBeGreaterThan(4 * (1 << 16));
    ENTRIES.forEach((text, i) => expect(fastEntryLeaf(GOOD[positionOf(i)] as string, i)?.toString('utf8')).toBe(text));
    const result = verdicts(GOOD);
    expect(result).toMatchObject({ ok: true, entries: ENTRIES.length, checkpoints: 5, uncoveredEntries: 0 });
  });

  it('refuses an edited field, naming its index, though the leaf is intact', () => {
    const line = (GOOD[positionOf(K)] as string).replace('"actor":"pia.planner"', '"actor":"eve.planner"');
    expect(fastEntryLeaf(line, K)).toBeUndefined();
    expect(failureOf(verdicts(withLine(positionOf(K), line)))).toMatchObject({ line: positionOf(K) + 1, index: K, code: 'leaf-mismatch' });
  });

  it('refuses an edited leaf, naming its index, though the fields are intact', () => {
    const forged = (ENTRIES[K] as string).replace('"PO-333"', '"PO-334"');
    const line = (GOOD[positionOf(K)] as string).replace(Buffer.from(ENTRIES[K] as string).toString('base64'), Buffer.from(forged).toString('base64'));
    expect(line).not.toBe(GOOD[positionOf(K)]);
    expect(fastEntryLeaf(line, K)).toBeUndefined();
    expect(failureOf(verdicts(withLine(positionOf(K), line)))).toMatchObject({ line: positionOf(K) + 1, index: K, code: 'leaf-mismatch' });
  });

  it('refuses a line moved out of its place, naming the first index out of order', () => {
    const swapped = [...GOOD];
    [swapped[positionOf(K)], swapped[positionOf(K + 1)]] = [GOOD[positionOf(K + 1)] as string, GOOD[positionOf(K)] as string];
    expect(fastEntryLeaf(swapped[positionOf(K)] as string, K)).toBeUndefined();
    expect(failureOf(verdicts(swapped))).toMatchObject({ line: positionOf(K) + 1, index: K, code: 'index-gap' });
  });

  it('takes a self-consistent forgery for a line, and the tree refuses it at the next checkpoint', () => {
    const forged = (ENTRIES[K] as string).replace('"PO-333"', '"PO-999"');
    const line = entryLine(K, forged);
    expect(fastEntryLeaf(line, K)?.toString('utf8')).toBe(forged);
    const next = Math.ceil((K + 1) / EVERY) * EVERY;
    expect(failureOf(verdicts(withLine(positionOf(K), line)))).toMatchObject({ line: positionOf(next - 1) + 2, size: next, code: 'root-mismatch' });
  });

  it('never reads a broken line together with the next one', () => {
    const line = GOOD[positionOf(K)] as string;
    // The leaf cut short: its closing quote would be found on a later line.
    const cut = line.slice(0, line.indexOf('"leaf":"') + 20);
    expect(failureOf(verdicts(withLine(positionOf(K), cut)))).toMatchObject({ line: positionOf(K) + 1, code: 'malformed-line' });
    // Two lines run together.
    const two = withLine(positionOf(K), `${line}${GOOD[positionOf(K + 1)] as string}`);
    two.splice(positionOf(K + 1), 1);
    expect(failureOf(verdicts(two))).toMatchObject({ line: positionOf(K) + 1, code: 'malformed-line' });
  });

  it('refuses fields with a lone surrogate whose UTF-8 would match a leaf holding U+FFFD', () => {
    const text = entry(K).replace('"PO-333"', '"PO-\uFFFD"');
    const line = entryLine(K, text).replace('PO-\uFFFD', 'PO-\uD800');
    expect(Buffer.from(line.slice(line.indexOf('"fields":') + 9, -1), 'utf8').toString('base64')).toBe(Buffer.from(text).toString('base64'));
    expect(fastEntryLeaf(line, K)).toBeUndefined();
    expect(failureOf(verdicts(withLine(positionOf(K), line)))).toMatchObject({ line: positionOf(K) + 1, index: K, code: 'leaf-mismatch' });
  });

  it('proves in runs of lines exactly what it proves line by line', () => {
    const text = joined(GOOD.slice(positionOf(98), positionOf(103)));
    const lines = fc.tuple(fc.nat({ max: text.length }), fc.string({ minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(lines, ([at, insert]) => {
        const mutated = text.slice(0, at) + insert + text.slice(at);
        const run = new EntryLineProver();
        expect(run.load(mutated, 0, mutated.length)).toBe(true);
        let start = 0;
        for (const line of mutated.split('\n').slice(0, -1)) {
          for (let index = 97; index <= 103; index += 1) {
            const end = run.proveAt(start, index);
            const alone = fastEntryLeaf(line, index);
            expect(end >= 0 ? Buffer.from(run.leaf) : undefined).toEqual(alone);
            if (end >= 0) expect(end).toBe(start + line.length);
          }
          start += line.length + 1;
        }
      }),
      { numRuns: 300 },
    );
  });
});
