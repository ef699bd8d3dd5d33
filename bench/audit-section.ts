/**
 * Section 6: the verifiable audit log (issue 3 point 9). Appends alone and the
 * log's share of an order change, beside the raw commit rate; proof latency on
 * trees of a million entries and more, beside one indexed read; offline
 * verification speed, beside SHA-256 of the same leaves. Every limit is
 * measured in this section, next to the figure it bounds.
 */
import type { StoreKind } from '../src/store/index.js';
import { benchAuditAppends, type AppendRun, type LogPair } from './audit-append-bench.js';
import type { AuditBenchConfig } from './audit-config.js';
import { benchProofs, computeTree, type Latency, type ProofRun } from './audit-proof-bench.js';
import { benchVerification, median } from './audit-verify-bench.js';
import type { BenchConfig } from './bench-config.js';
import type { PostgresAvailability } from './limits-section.js';
import { measurePostgresLimit } from './postgres-limits.js';
import { formatNumber, section, type Figure, type Limit, type Section } from './report.js';
import { measureSqliteBare } from './sqlite-limits.js';
import { msBetween, now, type Throughput } from './timing.js';

/** The log may cost an order change at most a fifth of its rate (issue 3: "slows order changes by no more than 20%"). */
const SLOWDOWN: Figure['target'] = { kind: 'share-of-limit', atLeast: 0.8 };
/** Inclusion proof median under 1 ms (issue 3 names 10M entries; judged at every size). */
const ONE_MS: Figure['target'] = { kind: 'below', value: 1 };
/** Offline verification at least 40% of the raw SHA-256 rate of the same leaves. */
const FORTY_PERCENT: Figure['target'] = { kind: 'share-of-limit', atLeast: 0.4 };

function progress(message: string): void {
  process.stderr.write(`[bench] audit: ${message}\n`);
}

function detail(rate: Throughput): Record<string, number> {
  return { n: rate.count, p50ms: rate.p50Ms, p95ms: rate.p95Ms };
}

function latencyDetail(latency: Latency): Record<string, number> {
  return { n: latency.n, p50ms: latency.p50, p95ms: latency.p95 };
}

function limitOf(figure: Figure): Limit {
  return { id: figure.id, label: figure.label, value: figure.value ?? 0 };
}

function sizeText(size: number): string {
  if (size >= 1_000_000 && size % 1_000_000 === 0) return `${size / 1_000_000}M`;
  if (size >= 1000 && size % 1000 === 0) return `${size / 1000}k`;
  return String(size);
}

/** The commit limits of one engine, measured here: 1 connection, and (PostgreSQL) `concurrency` connections. */
interface CommitLimits {
  readonly single: Limit;
  readonly concurrent: Limit;
  readonly figures: Figure[];
}

async function commitLimits(kind: StoreKind, config: BenchConfig, loopMs: number): Promise<CommitLimits> {
  const c = config.concurrency;
  if (kind === 'sqlite') {
    const bare = await measureSqliteBare(loopMs);
    const figure: Figure = { id: 'audit.limit.sqlite.insert_tx', label: 'SQLite bare INSERT tx (1 conn)', value: bare.perSecond, unit: 'tx/s', detail: detail(bare), note: 'the commit limit, measured in this section' };
    // One connection: the store groups concurrent callers into one commit, so several callers are set beside the same limit.
    return { single: limitOf(figure), concurrent: limitOf(figure), figures: [figure] };
  }
  const pg = await measurePostgresLimit(config.postgresUrl, loopMs, c);
  const single: Figure = { id: 'audit.limit.postgres.insert_tx', label: 'PostgreSQL bare INSERT tx (1 conn)', value: pg.single.perSecond, unit: 'tx/s', detail: detail(pg.single), note: 'the commit limit, measured in this section' };
  const concurrent: Figure = { id: 'audit.limit.postgres.insert_tx_concurrent', label: `PostgreSQL bare INSERT tx (${c} conns)`, value: pg.concurrent.perSecond, unit: 'tx/s', detail: detail(pg.concurrent) };
  const shaped: Figure = {
    id: 'audit.limit.postgres.audit_shaped_tx_concurrent', label: `PostgreSQL audit-append-shaped tx (${c} conns)`, value: pg.auditShapedConcurrent.perSecond, unit: 'tx/s',
    limit: limitOf(concurrent), detail: detail(pg.auditShapedConcurrent), note: 'advisory lock + max(idx) + INSERT, no tree: the ceiling of one linear log',
  };
  return { single: limitOf(single), concurrent: limitOf(concurrent), figures: [single, concurrent, shaped] };
}

function pairFigure(kind: StoreKind, path: 'raw' | 'store', pair: LogPair): Figure {
  const who = pair.callers === 1 ? (path === 'raw' ? '1 conn' : '1 caller') : `${pair.callers} ${path === 'raw' ? 'conns' : 'callers'}`;
  const mode = pair.callers === 1 ? 'seq' : `c${pair.callers}`;
  const what = path === 'raw' ? 'transition-shaped tx, raw' : 'transition via the store';
  const extraUs = (1 / pair.withLog.perSecond - 1 / pair.withoutLog.perSecond) * 1e6;
  const share = 1 - pair.withLog.perSecond / pair.withoutLog.perSecond;
  return {
    id: `audit.order_change.${kind}.${path}.${mode}`,
    label: `${kind} ${what}, with the log (${who})`,
    value: pair.withLog.perSecond,
    unit: 'tx/s',
    limit: { id: `audit.order_change.${kind}.${path}.${mode}.without_log`, label: 'the same without the log', value: pair.withoutLog.perSecond },
    target: SLOWDOWN,
    detail: { ...detail(pair.withLog), withoutP50ms: pair.withoutLog.p50Ms, withoutN: pair.withoutLog.count },
    note: `the log slows it by ${(share * 100).toFixed(0)}% (+${formatNumber(extraUs)} µs of wall time per change)`,
  };
}

function appendFigures(run: AppendRun, limits: CommitLimits, concurrency: number): Figure[] {
  const { kind } = run;
  const figures: Figure[] = [
    {
      id: `audit.append.${kind}.seq`, label: `${kind} appends alone (1 caller)`, value: run.aloneSingle.perSecond, unit: 'appends/s',
      limit: limits.single, detail: detail(run.aloneSingle), note: 'withWriteTransaction + appendAuditEntry, nothing else',
    },
    {
      id: `audit.append.${kind}.c${concurrency}`, label: `${kind} appends alone (${concurrency} callers)`, value: run.aloneConcurrent.perSecond, unit: 'appends/s',
      limit: kind === 'sqlite' ? limits.single : limits.concurrent, detail: detail(run.aloneConcurrent),
      note: kind === 'sqlite' ? 'the store groups ready callers into one commit' : 'in place while the lock is free, else queued and sequenced after the commit',
    },
  ];
  figures.push(...run.raw.map((pair) => pairFigure(kind, 'raw', pair)), ...run.viaStore.map((pair) => pairFigure(kind, 'store', pair)));
  // The real call cannot run without its log; remove from its time what the log added in the
  // store pair with as many callers.
  for (const submit of run.submits) {
    const pair = run.viaStore.find((candidate) => candidate.callers === submit.callers);
    if (pair === undefined || submit.run.count === 0) continue;
    const extraUs = (1 / pair.withLog.perSecond - 1 / pair.withoutLog.perSecond) * 1e6;
    const callUs = 1e6 / submit.run.perSecond;
    const who = submit.callers === 1 ? '1 caller' : `${submit.callers} callers`;
    const mode = submit.callers === 1 ? 'seq' : `c${submit.callers}`;
    figures.push({
      id: `audit.order_change.${kind}.service_submit.${mode}`, label: `${kind} orders.perform submit, with the log (${who})`, value: submit.run.perSecond, unit: 'ops/s',
      limit: { id: `audit.order_change.${kind}.service_submit.${mode}.estimated_without_log`, label: 'estimated without the log', value: callUs > extraUs ? 1e6 / (callUs - extraUs) : Number.POSITIVE_INFINITY },
      target: SLOWDOWN, detail: detail(submit.run),
      note: `derived: the log's +${formatNumber(extraUs)} µs (store pair, ${who}) is ${((extraUs / callUs) * 100).toFixed(0)}% of a real call's ${formatNumber(callUs)} µs of wall time`,
    });
  }
  const { catchUpBacklog: backlog, catchUpSmall: small } = run;
  figures.push(
    {
      id: `audit.lookup.${kind}.catch_up_backlog`, label: `${kind} audit lookup catch-up, per entry (backlog of ${backlog.entries.toLocaleString('en-US')})`,
      value: backlog.entries > 0 ? (backlog.ms * 1000) / backlog.entries : null, unit: 'µs/entry', detail: { entries: backlog.entries, ms: backlog.ms },
      note: 'catchUpAuditLookup after the runs above: outside any order transaction, batches of 10,000 in write transactions of their own',
    },
    {
      id: `audit.lookup.${kind}.catch_up_small`, label: `${kind} audit lookup catch-up of ${small.entries} entries (median)`, value: small.medianMs, unit: 'ms',
      detail: { rounds: small.rounds, usPerEntry: (small.medianMs * 1000) / small.entries },
      note: 'what the server\'s 1 s filler or an audit query pays for about a second of changes',
    },
  );
  return figures;
}

function proofFigures(run: ProofRun): Figure[] {
  const { kind, size } = run;
  const at = sizeText(size);
  const base = `audit.proof.${kind}.${at}`;
  if (run.skipped !== undefined || run.inclusion === undefined || run.consistency === undefined || run.pointRead === undefined) {
    const note = run.skipped ?? 'not measured';
    return [
      { id: `${base}.inclusion`, label: `${kind} inclusion proof at ${at} entries (median)`, value: null, unit: 'ms', target: ONE_MS, note },
      { id: `${base}.consistency`, label: `${kind} consistency proof at ${at} entries (median)`, value: null, unit: 'ms', note },
    ];
  }
  const pointRead: Limit = { id: `${base}.point_read`, label: 'one indexed read, median', value: run.pointRead.p50 };
  const loadSeconds = (run.loadMs ?? 0) / 1000;
  return [
    {
      id: `${base}.load`, label: `${kind} tree load, ${at} entries (setup)`, value: loadSeconds, unit: 's',
      detail: { rows: run.entryRows ?? 0, rowsPerS: Math.round((run.entryRows ?? 0) / loadSeconds), ...(run.analyzeMs === undefined ? {} : { analyzeS: run.analyzeMs / 1000 }) },
      note: kind === 'sqlite' ? 'audit_entries rows (lookup left empty); one transaction, one prepared statement, journal off (bench file)' : 'audit_entries rows (lookup left empty); batches of insert…select unnest(…) of 20,000 rows',
    },
    {
      id: `${base}.inclusion`, label: `${kind} inclusion proof at ${at} entries (median)`, value: run.inclusion.p50, unit: 'ms',
      limit: pointRead, target: ONE_MS, detail: latencyDetail(run.inclusion), note: 'AuditLog.inclusionProof(random index, size): size read + one batched node read',
    },
    {
      id: `${base}.consistency`, label: `${kind} consistency proof at ${at} entries (median)`, value: run.consistency.p50, unit: 'ms',
      limit: pointRead, detail: latencyDetail(run.consistency), note: `AuditLog.consistencyProof(random from, size); point read p95 ${formatNumber(run.pointRead.p95)} ms`,
    },
  ];
}

/** Measures the audit log on every enabled engine; an unreachable PostgreSQL gets SKIP rows. */
export async function auditSection(config: BenchConfig, postgres: PostgresAvailability, audit: AuditBenchConfig): Promise<Section> {
  const part = section('6. Audit log (appends, proofs, offline verification)');
  const c = config.concurrency;
  const engines = config.engines.filter((kind) => kind === 'sqlite' || postgres.enabled);
  if (config.engines.includes('postgres') && !postgres.enabled) {
    part.figures.push({ id: 'audit.postgres', label: 'postgres audit log', value: null, unit: '', note: 'PostgreSQL unreachable' });
  }

  // 6a. Appends alone and the log's share of an order change.
  for (const kind of engines) {
    progress(`${kind} commit limit…`);
    const limits = await commitLimits(kind, config, audit.loopMs);
    part.figures.push(...limits.figures);
    progress(`${kind} appends and order changes…`);
    const run = await benchAuditAppends(kind, config.postgresUrl, audit.loopMs, c);
    part.figures.push(...appendFigures(run, limits, c));
    progress(`${kind}: ${run.entries.toLocaleString('en-US')} entries appended, dense`);
  }

  // 6b. Proof latency on big trees.
  for (const size of audit.treeSizes) {
    if (engines.length === 0) break;
    progress(`tree of ${size.toLocaleString('en-US')} entries: computing…`);
    const tree = computeTree(size);
    part.figures.push({
      id: `audit.proof.tree.${sizeText(size)}.compute`, label: `tree of ${sizeText(size)} entries computed in memory (setup)`, value: tree.computeMs / 1000, unit: 's',
      detail: { hashes: 2 * size - 1, MB: Math.round(tree.levels.reduce((sum, level) => sum + level.length, 0) / 1e6) }, note: 'SHA-256 through node:crypto, one core',
    });
    for (const kind of engines) {
      progress(`${kind} tree of ${size.toLocaleString('en-US')} entries: loading…`);
      const began = now();
      const run = await benchProofs(kind, config.postgresUrl, tree, audit.proofCalls, audit.proofMs, audit.postgresLoadCapMs);
      progress(`${kind} tree of ${size.toLocaleString('en-US')} entries: ${run.skipped ?? `load ${formatNumber((run.loadMs ?? 0) / 1000)} s, all ${formatNumber(msBetween(began, now()) / 1000)} s`}`);
      part.figures.push(...proofFigures(run));
    }
  }

  // 6c. Offline verification.
  progress(`export of ${audit.exportEntries.toLocaleString('en-US')} entries: building and verifying…`);
  const verify = benchVerification(audit.exportEntries, audit.verifyRounds);
  const hash: Figure = {
    id: 'audit.verify.raw_leaf_sha256', label: `SHA-256 of the same leaves (0x00 || entry, mean ${Math.round(verify.meanLeafBytes)} B)`,
    value: median(verify.hashRates), unit: 'entries/s', detail: { n: verify.exported.entries, rounds: verify.hashRates.length }, note: 'node:crypto createHash per leaf, as leafHash does: the limit',
  };
  part.figures.push(
    hash,
    {
      id: 'audit.verify.export', label: `verifyExportText, ${sizeText(verify.exported.entries)} entries`, value: median(verify.verifyRates), unit: 'entries/s',
      limit: limitOf(hash), target: FORTY_PERCENT,
      detail: { n: verify.exported.entries, checkpoints: verify.exported.checkpoints, MB: Number((verify.exported.bytes / 1e6).toFixed(1)), rounds: verify.verifyRates.length },
      note: 'every leaf, the tree, every checkpoint signature (Ed25519)',
    },
    {
      id: 'audit.verify.json_parse_only', label: 'JSON.parse of the same lines (diagnostic)', value: median(verify.parseRates), unit: 'entries/s',
      limit: limitOf(hash), detail: { rounds: verify.parseRates.length }, note: 'no check at all: what parsing the lines alone costs',
    },
  );

  part.notes.push(
    `Appends and order changes: each loop ${formatNumber(audit.loopMs / 1000)} s on a fresh database with the bench world and 1,000 bulk-loaded orders; "with the log" / "without" run as interleaved rounds (without, with, without, with; p50/p95 are the rounds' count-weighted means). Target: the log costs an order change at most 20% of its rate (with >= 80% of without).`,
    'Raw = prepared statements replaying an order transition (read the order, guarded update) plus exactly the statements appendAuditEntry runs (AUDIT_APPEND_SQL; SQLite: the entry row holding the subtrees it completes, inserted after the entry the connection remembers, the right edge of the tree kept in memory and read from the rows only when that insert changes no row; PostgreSQL: one call of the store\'s append function, which does the same behind the real AUDIT_APPEND_LOCK_KEY); via the store = Kysely + withWriteTransaction with the real appendAuditEntry (PostgreSQL: its database-wide AUDIT_APPEND_LOCK_KEY, so other writers of the same database queue on it too). Neither includes validation, policy or read-back, so the share is the largest the log can take of a real OrderService call. The audit lookup (the derived index of the filter columns) is filled outside the order transactions, as in the product, so no row here writes it; its catch-up is timed apart (audit.lookup rows).',
    `Proofs: the tree of N synthetic leaves (SHA-256 of 0x00 and the 8-byte index; the last leaf is a real entry, stored at idx N-1) computed once in memory, then bulk-loaded into each engine's audit_entries as the rows appendAuditEntry writes (per leaf one row whose nodes hold the leaf, then each parent it completes; synthetic rows carry minimal values in the other NOT NULL columns); audit_entries has no secondary index, and the derived audit_lookup, which proofs never use, is left empty; the stored root and one proof of each kind are verified against it before timing. Latency of up to ${audit.proofCalls.toLocaleString('en-US')} calls or ${formatNumber(audit.proofMs / 1000)} s per figure at random indices, one caller, after 20 untimed calls. Sizes: ${audit.treeSizes.map(sizeText).join(', ')} (BENCH_AUDIT_SIZES).`,
    `Offline verification: ${verify.exported.entries.toLocaleString('en-US')} entries shaped as the services write them, ${verify.exported.checkpoints} checkpoints (every ${'1,000'} entries, Ed25519), ${formatNumber(verify.exported.bytes / 1e6)} MB of JSON Lines (built in ${formatNumber(verify.buildMs / 1000)} s); the median of ${verify.verifyRates.length} rounds, each pass interleaved with the raw-hash pass.`,
  );
  return part;
}
