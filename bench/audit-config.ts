/**
 * The audit section's own settings (section 6), read once at start-up beside
 * `readBenchConfig`, from the environment `run.ts` passes in; every problem
 * listed at once.
 */
import type { BenchConfig } from './bench-config.js';

/** What the audit-log benchmark needs to know beyond the run's {@link BenchConfig}. */
export interface AuditBenchConfig {
  /** Tree sizes (entries) at which proof latency is measured, ascending (BENCH_AUDIT_SIZES). */
  readonly treeSizes: readonly number[];
  /** Entries in the export that is verified offline (BENCH_AUDIT_EXPORT_ENTRIES). */
  readonly exportEntries: number;
  /** Most timed calls per proof figure, and the time budget of each. */
  readonly proofCalls: number;
  readonly proofMs: number;
  /** How long each append / order-change loop runs (split into two interleaved rounds for with/without pairs). */
  readonly loopMs: number;
  /** Timed verifications of the export (and as many raw-hash passes, interleaved). */
  readonly verifyRounds: number;
  /** A PostgreSQL tree load projected to take longer than this is abandoned, and its rows SKIP (BENCH_AUDIT_PG_LOAD_SECONDS). */
  readonly postgresLoadCapMs: number;
}

const DEFAULT_SIZES = [1_000_000, 10_000_000] as const;
const QUICK_SIZES = [100_000] as const;

function positiveInteger(raw: string, name: string, problems: string[]): number | undefined {
  const value = Number(raw.trim().replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) {
    problems.push(`${name} must hold positive integers, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return value;
}

/**
 * Reads BENCH_AUDIT_SIZES (comma-separated tree sizes, default 1,000,000 and
 * 10,000,000; quick: 100,000), BENCH_AUDIT_EXPORT_ENTRIES (default 100,000;
 * quick: 20,000) and BENCH_AUDIT_PG_LOAD_SECONDS (default 120); throws one
 * error naming every bad variable.
 */
export function readAuditBenchConfig(env: NodeJS.ProcessEnv, base: BenchConfig): AuditBenchConfig {
  const problems: string[] = [];
  const sizesText = env.BENCH_AUDIT_SIZES;
  let treeSizes: readonly number[] = base.quick ? QUICK_SIZES : DEFAULT_SIZES;
  if (sizesText !== undefined && sizesText.trim() !== '') {
    const parsed = sizesText.split(',').map((part) => positiveInteger(part, 'BENCH_AUDIT_SIZES', problems));
    // At least two entries: a consistency proof needs an older tree size below the newest.
    if (parsed.some((size) => size !== undefined && size < 2)) problems.push('BENCH_AUDIT_SIZES: every size must be at least 2');
    treeSizes = [...new Set(parsed.filter((size): size is number => size !== undefined))].sort((a, b) => a - b);
  }
  const single = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    return positiveInteger(raw, name, problems) ?? fallback;
  };
  const config: AuditBenchConfig = Object.freeze({
    treeSizes,
    exportEntries: single('BENCH_AUDIT_EXPORT_ENTRIES', base.quick ? 20_000 : 100_000),
    proofCalls: base.quick ? 200 : 2000,
    proofMs: base.listMs,
    loopMs: base.phaseMs,
    verifyRounds: base.quick ? 2 : 3,
    postgresLoadCapMs: single('BENCH_AUDIT_PG_LOAD_SECONDS', 120) * 1000,
  });
  if (problems.length > 0) throw new Error(`bad audit benchmark settings:\n  ${problems.join('\n  ')}`);
  return config;
}
