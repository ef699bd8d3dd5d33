/**
 * Section 4: listing. Bulk-loads BENCH_LIST_ROWS orders, then times
 * `orders.queries.list` for an enterprise-wide planner and a site-scoped one
 * (whose scope is a filter inside the query): the first page, a state filter,
 * a work-center filter, the next page by cursor and a page deep in the list.
 */
import type { Actor } from '../src/access/index.js';
import type { StoreKind } from '../src/store/index.js';
import type { BenchConfig } from './bench-config.js';
import { openBenchStore, type BenchStore } from './bench-stores.js';
import { createBenchWorld, type BenchWorld } from './bench-world.js';
import { BULK_ITEM_CODES, bulkLoadPostgres, bulkLoadSqlite, DUE_AFTER_MS, FIRST_CREATED_MS, SPACING_MS } from './bulk-orders.js';
import type { PostgresAvailability } from './limits-section.js';
import { formatNumber, section, type Figure, type Section } from './report.js';
import { msBetween, now, quantile } from './timing.js';

const FIVE_MS: Figure['target'] = { kind: 'below', value: 5 };

/** The cursor format of order-queries.ts (not exported there); checked against a real page before use. */
function cursorFor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly items: number;
}

/** Times `call` up to `iterations` times within `budgetMs` (at least five), after five untimed calls. */
async function timeCalls(call: () => Promise<{ items: readonly unknown[] }>, iterations: number, budgetMs: number): Promise<Latency> {
  let items = 0;
  for (let index = 0; index < 5; index += 1) items = (await call()).items.length;
  const samples: number[] = [];
  const start = now();
  while (samples.length < 5 || (samples.length < iterations && msBetween(start, now()) < budgetMs)) {
    const began = now();
    await call();
    samples.push(msBetween(began, now()));
  }
  samples.sort((a, b) => a - b);
  return { n: samples.length, p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), items };
}

async function load(kind: StoreKind, bench: BenchStore, world: BenchWorld, config: BenchConfig): Promise<{ ms: number; detail: string }> {
  const plan = { rows: config.listRows, workCenters: world.workCenters, createdBy: world.actors.planner.subject.userId };
  const started = now();
  if (kind === 'sqlite') {
    bulkLoadSqlite(bench.file ?? '', plan);
    return { ms: msBetween(started, now()), detail: 'one transaction, one prepared statement, no ANALYZE (Forgeline never runs it)' };
  }
  if (bench.options.kind !== 'postgres' || bench.options.schema === undefined) throw new Error('no schema');
  const timing = await bulkLoadPostgres(config.postgresUrl, bench.options.schema, plan);
  return { ms: msBetween(started, now()), detail: `insert…select generate_series ${formatNumber(timing.insertMs / 1000)} s + ANALYZE ${formatNumber(timing.analyzeMs / 1000)} s` };
}

async function listFigures(kind: StoreKind, world: BenchWorld, config: BenchConfig, notes: string[]): Promise<{ figures: Figure[] }> {
  const { queries } = world.services.orders;
  const db = world.services.store.db;
  const { planner, sitePlanner } = world.actors;
  const [firstSite, otherSite] = world.sites;
  const inScope = world.workCenters.find((node) => node.path[1] === firstSite?.id);
  const outOfScope = world.workCenters.find((node) => node.path[1] === otherSite?.id);
  if (!inScope || !outOfScope) throw new Error('the bench plant needs two sites with work centers');

  const firstPage = await queries.list(planner, { limit: 20 });
  const last = firstPage.items.at(-1);
  const cursorsMatch = last !== undefined && firstPage.nextCursor === cursorFor(last.createdAt, last.id);
  const middle = await db.selectFrom('orders').select(['created_at', 'id']).orderBy('created_at', 'desc').orderBy('id', 'desc')
    .limit(1).offset(Math.floor(config.listRows / 2)).executeTakeFirst();
  if (!cursorsMatch) notes.push(`${kind}: the cursor format changed (order-queries.ts); the deep-page rows are skipped.`);

  // A planner's week: the orders due in the seven days from those created in the middle of the list.
  const weekFrom = FIRST_CREATED_MS + Math.floor(config.listRows / 2) * SPACING_MS + DUE_AFTER_MS;
  const dueWeek = { dueFrom: new Date(weekFrom).toISOString(), dueTo: new Date(weekFrom + 7 * 86_400_000).toISOString() };
  const shapes: [string, string, Record<string, unknown> | undefined][] = [
    ['first', 'first page', {}],
    ['state', 'state=running', { state: 'running' }],
    ['work_center', 'work-center filter', { workCenterId: inScope.id }],
    ['due_week', 'due within one week (mid-list)', dueWeek],
    ['due_week_released', 'due within one week and state=released', { ...dueWeek, state: 'released' }],
    ['due_week_sorted', 'due within one week, soonest due first (sort=due)', { ...dueWeek, sort: 'due' }],
    ['item', `item code exact (1 of ${BULK_ITEM_CODES})`, { item: 'ITEM-0042' }],
    ['item_prefix', 'item code prefix (10 codes)', { itemPrefix: 'ITEM-004' }],
    ['next_page', 'page 2 by cursor', { cursor: firstPage.nextCursor ?? undefined }],
    ['deep_page', 'page at the middle by cursor', cursorsMatch && middle ? { cursor: cursorFor(middle.created_at, middle.id) } : undefined],
  ];
  const actors: [string, string, Actor][] = [['enterprise', 'enterprise planner', planner], ['site', 'site planner', sitePlanner]];
  const figures: Figure[] = [];
  for (const [actorId, actorLabel, actor] of actors) {
    const cases = actorId === 'site' ? [...shapes, ['other_site_work_center', 'work center of another site (empty)', { workCenterId: outOfScope.id }] as (typeof shapes)[number]] : shapes;
    for (const [shapeId, shapeLabel, filter] of cases) {
      const id = `list.${kind}.${actorId}.${shapeId}`;
      const label = `${kind} ${actorLabel}: ${shapeLabel}`;
      if (filter === undefined) {
        figures.push({ id, label, value: null, unit: 'ms', note: 'cursor not available' });
        continue;
      }
      const latency = await timeCalls(() => queries.list(actor, { limit: 20, ...filter }), config.listIterations, config.listMs);
      figures.push({ id, label, value: latency.p50, unit: 'ms median', target: FIVE_MS, detail: { n: latency.n, p95ms: latency.p95, items: latency.items } });
    }
  }
  return { figures };
}

/** Loads and measures on every enabled engine; an unreachable PostgreSQL gets a SKIP row. */
export async function listSection(config: BenchConfig, postgres: PostgresAvailability): Promise<Section> {
  const part = section(`4. Listing 20 orders out of ${config.listRows.toLocaleString('en-US')} (orders.queries.list)`);
  for (const kind of config.engines) {
    if (kind === 'postgres' && !postgres.enabled) {
      part.figures.push({ id: 'list.postgres', label: 'postgres listing', value: null, unit: 'ms', note: 'PostgreSQL unreachable' });
      continue;
    }
    const bench = await openBenchStore(kind, config.postgresUrl, 'list');
    try {
      const world = await createBenchWorld(bench.store);
      const loaded = await load(kind, bench, world, config);
      part.figures.push({
        id: `list.${kind}.bulk_load`, label: `${kind} bulk load of ${config.listRows.toLocaleString('en-US')} orders`, value: loaded.ms / 1000, unit: 's',
        detail: { rowsPerS: config.listRows / (loaded.ms / 1000) }, note: loaded.detail,
      });
      const measured = await listFigures(kind, world, config, part.notes);
      part.figures.push(...measured.figures);
    } finally {
      await bench.dispose();
    }
  }
  part.notes.push(
    `Orders spread at random (seeded) over the 12 work centers of the bench plant (2 sites) and over the states (55% closed, 6% running, …), created 30 s apart; one timed call = one list(actor, { limit: 20, … }) on the service, median and p95 of up to ${config.listIterations} calls.`,
    'The site planner holds the planner role on one site only: list() resolves that to a site_id IN (…) predicate inside the query, and answers a filter outside the scope with an empty page without a query.',
    `Item codes spread over ${BULK_ITEM_CODES} codes (orders.item_code, migration 0015). sort=due (what the web list asks with a due filter) walks the due-date index of migration 0013 in its order; the same window newest first reads the whole window and sorts it.`,
  );
  return part;
}
