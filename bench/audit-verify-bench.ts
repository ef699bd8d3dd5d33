/**
 * Offline verification speed (issue 3 point 9, third part): an export of N
 * entries in the `forgeline-audit-export/1` format, lines made with the
 * product's `exportEntryLine` + `formatExportLine` from entries shaped as the
 * services write them, a checkpoint signed (Ed25519, `signCheckpoint`) every
 * 1,000 entries as the default checkpoint policy does and one at the end; then
 * `verifyExportText` over the whole text, beside SHA-256 of the same leaves
 * (`0x00 || entry bytes`) through node:crypto, rounds interleaved.
 */
import { createHash } from 'node:crypto';
import { AUDIT_EXPORT_FORMAT, DEFAULT_CHECKPOINT_POLICY, ephemeralAuditIdentity, exportEntryLine, formatExportLine, signCheckpoint, verifierKey, verifyExportText } from '../src/audit/index.js';
import { CompactRange, canonicalJson, leafHash } from '../src/crypto/index.js';
import { sampleEntry, seeded, storedRow } from './audit-entries.js';
import { msBetween, now } from './timing.js';

/** The export under test and what it holds. */
export interface BenchExport {
  readonly text: string;
  readonly logKey: string;
  readonly entries: number;
  readonly checkpoints: number;
  /** The exact bytes of every entry (what its leaf hash covers). */
  readonly leaves: readonly Buffer[];
  readonly bytes: number;
}

/** What part 3 measured. */
export interface VerifyRun {
  readonly exported: Omit<BenchExport, 'text' | 'leaves'>;
  readonly meanLeafBytes: number;
  /** Entries per second of each timed pass; the figure is the median. */
  readonly verifyRates: readonly number[];
  readonly hashRates: readonly number[];
  /** JSON.parse of every line and nothing else: a diagnostic floor of any line-by-line verifier in JavaScript. */
  readonly parseRates: readonly number[];
  readonly buildMs: number;
}

const ORIGIN = 'forgeline.bench/audit';
const LEAF_PREFIX = Buffer.from([0x00]);

/** Builds an export of `entries` entries with real signed checkpoints. */
export function buildExport(entries: number): BenchExport {
  const identity = ephemeralAuditIdentity(ORIGIN);
  const random = seeded(20_260_101);
  const orderIds = Array.from({ length: 500 }, (_, i) => `0f0e0d0c-0b0a-4000-8000-${String(i).padStart(12, '0')}`);
  const first = Date.parse('2026-01-05T06:00:00.000Z');
  const range = new CompactRange();
  const lines: string[] = [formatExportLine({ type: 'header', format: AUDIT_EXPORT_FORMAT, origin: ORIGIN, exportedAt: '2026-02-01T00:00:00.000Z', size: entries })];
  const leaves: Buffer[] = [];
  let checkpoints = 0;
  const checkpoint = (): void => {
    const note = signCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() }, identity.signer);
    lines.push(formatExportLine({ type: 'checkpoint', size: range.size, checkpoint: note }));
    checkpoints += 1;
  };
  for (let index = 0; index < entries; index += 1) {
    const entry = canonicalJson(storedRow(index, sampleEntry(index, random, orderIds, first)));
    const bytes = Buffer.from(entry, 'utf8');
    leaves.push(bytes);
    range.append(leafHash(bytes));
    lines.push(formatExportLine(exportEntryLine(index, entry)));
    if (range.size % DEFAULT_CHECKPOINT_POLICY.everyEntries === 0) checkpoint();
  }
  if (range.size % DEFAULT_CHECKPOINT_POLICY.everyEntries !== 0) checkpoint();
  const text = lines.join('');
  return { text, logKey: verifierKey(ORIGIN, identity.publicKey), entries, checkpoints, leaves, bytes: Buffer.byteLength(text) };
}

/** Entries per second of one verification of the whole text; throws unless it verifies. */
function verifyOnce(exported: BenchExport): number {
  const started = now();
  const result = verifyExportText(exported.text, { logKey: exported.logKey });
  const ms = msBetween(started, now());
  if (!result.ok) throw new Error(`the bench export does not verify: line ${result.failure.line}: ${result.failure.code}: ${result.failure.message}`);
  if (result.entries !== exported.entries || result.checkpoints !== exported.checkpoints || result.uncoveredEntries !== 0) {
    throw new Error(`the verifier saw ${result.entries} entries and ${result.checkpoints} checkpoints, the export holds ${exported.entries} and ${exported.checkpoints}`);
  }
  return exported.entries / (ms / 1000);
}

/** Leaf hashes per second over the same entry bytes: SHA-256(0x00 || entry), one createHash each, as leafHash does. */
function hashOnce(exported: BenchExport): number {
  const started = now();
  let check = 0;
  for (const bytes of exported.leaves) check ^= createHash('sha256').update(LEAF_PREFIX).update(bytes).digest()[0] ?? 0;
  const ms = msBetween(started, now());
  // Keeps the digests observable.
  if (check < 0) throw new Error('unreachable');
  return exported.entries / (ms / 1000);
}

/** Lines per second through JSON.parse alone (entries per second, checkpoint lines included in the work). */
function parseOnce(exported: BenchExport): number {
  const started = now();
  let count = 0;
  for (const line of exported.text.split('\n')) if (line !== '') count += (JSON.parse(line) as { type?: string }).type === 'entry' ? 1 : 0;
  const ms = msBetween(started, now());
  if (count !== exported.entries) throw new Error(`parsed ${count} entry lines, expected ${exported.entries}`);
  return exported.entries / (ms / 1000);
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Builds the export, warms every pass up once, then runs `rounds` rounds of verify / hash / parse. */
export function benchVerification(entries: number, rounds: number): VerifyRun {
  const started = now();
  const exported = buildExport(entries);
  const buildMs = msBetween(started, now());
  verifyOnce(exported);
  hashOnce(exported);
  parseOnce(exported);
  const verifyRates: number[] = [];
  const hashRates: number[] = [];
  const parseRates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    verifyRates.push(verifyOnce(exported));
    hashRates.push(hashOnce(exported));
    parseRates.push(parseOnce(exported));
  }
  const meanLeafBytes = exported.leaves.reduce((sum, leaf) => sum + leaf.length, 0) / exported.entries;
  const { text: _text, leaves: _leaves, ...rest } = exported;
  return { exported: rest, meanLeafBytes, verifyRates, hashRates, parseRates, buildMs };
}
