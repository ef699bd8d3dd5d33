/** Section 2: order service throughput on each engine, set beside the raw commit rate. */
import type { StoreKind } from '../src/store/index.js';
import type { BenchConfig } from './bench-config.js';
import type { MeasuredLimits, PostgresAvailability } from './limits-section.js';
import { benchOrderService, type ServicePhase, type ServiceRun } from './order-service-bench.js';
import { formatNumber, section, type Figure, type Limit, type Section } from './report.js';
import type { Throughput } from './timing.js';

const HALF: Figure['target'] = { kind: 'share-of-limit', atLeast: 0.5 };

const LABELS: Readonly<Record<ServicePhase, string>> = {
  create: 'create',
  submit: 'submit',
  release: 'release (real argon2id signature)',
  'release-db': 'release, DB path (cheap-hash signer)',
  dispatch: 'dispatch',
  start: 'start',
  complete: 'complete',
};

function detail(rate: Throughput): Record<string, number> {
  return { n: rate.count, p50ms: rate.p50Ms, p95ms: rate.p95Ms };
}

function percent(value: number, of: number): string {
  return `${((value / of) * 100).toFixed(value / of < 0.1 ? 1 : 0)}%`;
}

/** The shaped diagnostic of section 1 that bounds a phase (SQLite: its rows; PostgreSQL: the audit append). */
function shapedFloor(kind: StoreKind, phase: ServicePhase, callers: number, limits: MeasuredLimits): Limit | undefined {
  if (kind === 'sqlite') return phase === 'create' ? limits.sqliteCreateShaped : limits.sqliteTransitionShaped;
  return callers > 1 ? limits.postgresAuditShapedConcurrent : limits.postgresAuditShaped;
}

function commitLimit(kind: StoreKind, callers: number, limits: MeasuredLimits): Limit | undefined {
  if (kind === 'sqlite') return limits.sqlite;
  return callers > 1 ? limits.postgresConcurrent ?? limits.postgres : limits.postgres;
}

function figuresOf(kind: StoreKind, run: ServiceRun, limits: MeasuredLimits): Figure[] {
  const mode = run.callers === 1 ? 'seq' : `c${run.callers}`;
  const who = run.callers === 1 ? '1 caller' : `${run.callers} callers`;
  const raw = commitLimit(kind, run.callers, limits);
  const argon2 = run.callers === 1 ? limits.argon2 : limits.argon2Concurrent;
  const figures: Figure[] = [];
  for (const phase of Object.keys(LABELS) as ServicePhase[]) {
    const rate = run.phases[phase];
    const isRealRelease = phase === 'release';
    const limit = isRealRelease ? argon2 : raw;
    const floor = isRealRelease ? undefined : shapedFloor(kind, phase, run.callers, limits);
    const note = isRealRelease && raw
      ? `${percent(rate.perSecond, raw.value)} of the raw commit rate: bounded by argon2id`
      : floor ? `${percent(rate.perSecond, floor.value)} of the ${floor.label.replace(/ \(.*$/, '').replace(/^\w+ /, '')}` : undefined;
    figures.push({
      id: `service.${kind}.${mode}.${phase}`,
      label: `${kind} ${LABELS[phase]} (${who})`,
      value: rate.perSecond,
      unit: 'ops/s',
      ...(limit ? { limit } : {}),
      target: HALF,
      detail: detail(rate),
      ...(note ? { note } : {}),
    });
  }
  // Orders taken from released to completed per second by one stream doing all three steps.
  const { dispatch, start, complete } = run.phases;
  const cycle = 1 / (1 / dispatch.perSecond + 1 / start.perSecond + 1 / complete.perSecond);
  figures.push({
    id: `service.${kind}.${mode}.completion_cycle`,
    label: `${kind} dispatch+start+complete cycles (${who})`,
    value: Number.isFinite(cycle) ? cycle : 0,
    unit: 'orders/s',
    ...(raw ? { limit: { ...raw, label: `${raw.label} / 3`, value: raw.value / 3 } } : {}),
    target: HALF,
    note: `derived: 3 commits per order; ${run.completedInDatabase} orders completed in the database`,
  });
  return figures;
}

/** Measures the order service on every enabled engine; an unreachable PostgreSQL gets SKIP rows. */
export async function serviceSection(config: BenchConfig, postgres: PostgresAvailability, limits: MeasuredLimits): Promise<Section> {
  const part = section('2. Order service (createServices(...).orders)');
  for (const kind of config.engines) {
    if (kind === 'postgres' && !postgres.enabled) {
      part.figures.push({ id: 'service.postgres', label: 'postgres order service', value: null, unit: 'ops/s', note: 'PostgreSQL unreachable' });
      continue;
    }
    const runs = await benchOrderService(kind, config.postgresUrl, config.phaseMs, config.concurrency, config.quick ? 5 : 30);
    for (const run of runs) part.figures.push(...figuresOf(kind, run, limits));
  }
  part.notes.push(
    `Each phase runs for up to ${formatNumber(config.phaseMs / 1000)} s or until the orders of the previous phase run out; every operation is one call of OrderService.create or .perform (authorize, one write transaction with its audit entry, then the read-back of the order).`,
    'Limits: the raw commit rate of the same engine (PostgreSQL with several callers: the raw rate over as many connections; SQLite: the one-connection rate, though the store groups concurrent callers into one commit). The real release is set beside the argon2id rate instead, and its share of the raw commit rate is in the note.',
    '"release, DB path" is signed by an approver whose stored hash uses minimal argon2id parameters (bench setup only): it shows what the release costs apart from the password check.',
  );
  if (config.engines.includes('postgres') && postgres.enabled) {
    part.notes.push('PostgreSQL: the audit append takes a database-wide advisory lock (AUDIT_APPEND_LOCK_KEY) until commit, so any other writer in the same database (another schema, a test run) queues on it too.');
  }
  return part;
}
