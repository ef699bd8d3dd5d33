/** Section 1: the machine's own limits, which every later figure is set beside. */
import { measureArgon2Limit } from './argon2-limits.js';
import type { BenchConfig } from './bench-config.js';
import { measurePostgresBare, measurePostgresLimit } from './postgres-limits.js';
import { section, type Figure, type Limit, type Section } from './report.js';
import { measureSqliteBare, measureSqliteLimit, synchronousName } from './sqlite-limits.js';
import type { Throughput } from './timing.js';

/** The limits measured in this run, for other sections to compare with. */
export interface MeasuredLimits {
  sqlite?: Limit;
  /** Diagnostics: the raw cost of the rows a create / a transition writes (SQLite only). */
  sqliteCreateShaped?: Limit;
  sqliteTransitionShaped?: Limit;
  postgres?: Limit;
  postgresConcurrent?: Limit;
  /** Diagnostics: the audit append's transaction alone, from 1 and from 10 connections. */
  postgresAuditShaped?: Limit;
  postgresAuditShapedConcurrent?: Limit;
  argon2?: Limit;
  argon2Concurrent?: Limit;
}

/** Whether PostgreSQL takes part, and why not when it does not. */
export interface PostgresAvailability {
  readonly enabled: boolean;
  readonly unavailable?: string;
}

function detail(rate: Throughput): Record<string, number> {
  return { n: rate.count, p50ms: rate.p50Ms, p95ms: rate.p95Ms };
}

function limitOf(figure: Figure): Limit {
  return { id: figure.id, label: figure.label, value: figure.value ?? 0 };
}

/** Measures the SQLite, PostgreSQL and argon2id limits; skipped engines get a SKIP row with the reason. */
export async function limitsSection(config: BenchConfig, postgres: PostgresAvailability, threadPool: number): Promise<{ section: Section; limits: MeasuredLimits }> {
  const part = section('1. Raw limits of this machine');
  const limits: MeasuredLimits = {};
  const c = config.concurrency;

  if (config.engines.includes('sqlite')) {
    const sqlite = await measureSqliteLimit(config.limitMs);
    const bare: Figure = { id: 'limit.sqlite.insert_tx', label: 'SQLite bare INSERT tx (1 conn)', value: sqlite.insert.perSecond, unit: 'tx/s', detail: detail(sqlite.insert) };
    const createShaped: Figure = {
      id: 'limit.sqlite.create_shaped_tx', label: 'SQLite create-shaped tx (diagnostic)', value: sqlite.createShaped.perSecond, unit: 'tx/s',
      limit: limitOf(bare), detail: detail(sqlite.createShaped), note: 'the rows OrderService.create writes, raw',
    };
    const transitionShaped: Figure = {
      id: 'limit.sqlite.transition_shaped_tx', label: 'SQLite transition-shaped tx (diagnostic)', value: sqlite.transitionShaped.perSecond, unit: 'tx/s',
      limit: limitOf(bare), detail: detail(sqlite.transitionShaped), note: 'an orders update + its audit row, raw',
    };
    part.figures.push(bare, createShaped, transitionShaped);
    limits.sqlite = limitOf(bare);
    limits.sqliteCreateShaped = limitOf(createShaped);
    limits.sqliteTransitionShaped = limitOf(transitionShaped);
    const s = sqlite.settings;
    part.notes.push(`SQLite ${s.sqliteVersion}, settings read from a Forgeline store: journal_mode=${s.journalMode}, synchronous=${synchronousName(s.synchronous)}, page_size=${s.pageSize}, wal_autocheckpoint=${s.walAutocheckpoint}; each tx is BEGIN IMMEDIATE + one ~350-byte row + COMMIT${s.journalMode === 'wal' && s.synchronous < 2 ? ', then fdatasync of the log, as the store forces it after every commit (here on the loop\'s own thread)' : ''}. The shaped rows replay, with prepared statements on Forgeline's own schema, the statements of a create (order, revision, audit entry: 3 tables, 10 b-trees; the audit lookup is filled outside the transaction) and of a transition (order update, audit entry): what the engine alone costs for the service's writes.`);
  }

  if (config.engines.includes('postgres')) {
    if (!postgres.enabled) {
      part.figures.push({ id: 'limit.postgres.insert_tx', label: 'PostgreSQL bare INSERT tx (1 conn)', value: null, unit: 'tx/s', note: 'PostgreSQL unreachable' });
      part.notes.push(`${postgres.unavailable ?? 'PostgreSQL unavailable'}: its rows are skipped.`);
    } else {
      const pg = await measurePostgresLimit(config.postgresUrl, config.limitMs, c);
      const single: Figure = { id: 'limit.postgres.insert_tx', label: 'PostgreSQL bare INSERT tx (1 conn)', value: pg.single.perSecond, unit: 'tx/s', detail: detail(pg.single) };
      const explicit: Figure = { id: 'limit.postgres.insert_tx_explicit', label: 'PostgreSQL BEGIN+INSERT+COMMIT (1 conn)', value: pg.singleExplicit.perSecond, unit: 'tx/s', detail: detail(pg.singleExplicit) };
      const concurrent: Figure = { id: 'limit.postgres.insert_tx_concurrent', label: `PostgreSQL bare INSERT tx (${c} conns)`, value: pg.concurrent.perSecond, unit: 'tx/s', detail: detail(pg.concurrent) };
      const auditShaped: Figure = {
        id: 'limit.postgres.audit_shaped_tx', label: 'PostgreSQL audit-append-shaped tx (1 conn)', value: pg.auditShaped.perSecond, unit: 'tx/s',
        limit: limitOf(single), detail: detail(pg.auditShaped), note: 'BEGIN, advisory lock, max(idx), INSERT, COMMIT',
      };
      const auditShapedConcurrent: Figure = {
        id: 'limit.postgres.audit_shaped_tx_concurrent', label: `PostgreSQL audit-append-shaped tx (${c} conns)`, value: pg.auditShapedConcurrent.perSecond, unit: 'tx/s',
        limit: limitOf(concurrent), detail: detail(pg.auditShapedConcurrent), note: 'the lock serializes them: the ceiling of one linear audit log',
      };
      part.figures.push(single, explicit, concurrent, auditShaped, auditShapedConcurrent);
      limits.postgresAuditShaped = limitOf(auditShaped);
      limits.postgresAuditShapedConcurrent = limitOf(auditShapedConcurrent);
      limits.postgres = limitOf(single);
      limits.postgresConcurrent = limitOf(concurrent);
      const s = pg.settings;
      part.notes.push(`PostgreSQL ${s.version}: fsync=${s.fsync}, synchronous_commit=${s.synchronousCommit}, wal_sync_method=${s.walSyncMethod}, commit_delay=${s.commitDelay}; the 1-connection implicit INSERT is the limit (the explicit form is shown for its extra round trips).`);
    }
  }

  const argon2 = await measureArgon2Limit(config.limitMs, c, threadPool);
  const sequential: Figure = { id: 'limit.argon2.verify', label: 'argon2id verifications (1 caller)', value: argon2.sequential.perSecond, unit: 'verify/s', detail: detail(argon2.sequential) };
  const concurrent: Figure = { id: 'limit.argon2.verify_concurrent', label: `argon2id verifications (${c} callers)`, value: argon2.concurrent.perSecond, unit: 'verify/s', detail: detail(argon2.concurrent) };
  part.figures.push(sequential, concurrent);
  limits.argon2 = limitOf(sequential);
  limits.argon2Concurrent = limitOf(concurrent);
  part.notes.push(`${argon2.parameters} (src/access/passwords.ts); libuv thread pool ${threadPool}. Every release verifies the approver's password (the electronic signature), so releases/s can never exceed these.`);
  return { section: part, limits };
}

/**
 * Section 5: the bare commit loops once more at the end of the run, beside
 * their first measurement. fsync latency on shared or virtual disks drifts;
 * a large change means the ratios above compare moments that differ.
 */
export async function driftSection(config: BenchConfig, postgres: PostgresAvailability, limits: MeasuredLimits): Promise<Section> {
  const part = section('5. Commit limits again at the end (drift check)');
  if (config.engines.includes('sqlite')) {
    const again = await measureSqliteBare(config.limitMs);
    part.figures.push({ id: 'drift.sqlite.insert_tx', label: 'SQLite bare INSERT tx (1 conn), at the end', value: again.perSecond, unit: 'tx/s', ...(limits.sqlite ? { limit: limits.sqlite } : {}), detail: detail(again) });
  }
  if (config.engines.includes('postgres') && postgres.enabled) {
    const again = await measurePostgresBare(config.postgresUrl, config.limitMs);
    part.figures.push({ id: 'drift.postgres.insert_tx', label: 'PostgreSQL bare INSERT tx (1 conn), at the end', value: again.perSecond, unit: 'tx/s', ...(limits.postgres ? { limit: limits.postgres } : {}), detail: detail(again) });
  }
  part.notes.push('The ratio is the end-of-run rate over the rate section 1 measured and every ratio above used.');
  return part;
}
