/**
 * Audit appends, alone and inside order changes (issue 3 point 9, first part).
 *
 * - Appends alone: `withWriteTransaction` + `appendAuditEntry`, nothing else in the
 *   transaction, from 1 caller and from several.
 * - What the log costs an order change: a transition-shaped transaction (read the
 *   order, guarded update) with and without the audit append, measured as
 *   interleaved pairs on the same database. Twice: raw (prepared statements
 *   replaying exactly the statements `appendAuditEntry` runs, `AUDIT_APPEND_SQL`:
 *   on SQLite the entry row holding the subtrees it completes, inserted after the
 *   entry the connection remembers (the right edge of the tree is kept in memory;
 *   read from the rows only when that changes no row); on PostgreSQL one call of the store's append
 *   function, which does the same behind the real AUDIT_APPEND_LOCK_KEY) and through the store (Kysely, `withWriteTransaction`, the real
 *   `appendAuditEntry`).
 * - The audit lookup (the derived index of the filter columns, migration 0005) is
 *   filled outside the order transactions, so none of the above writes it; its cost
 *   is timed apart: `catchUpAuditLookup` over the whole backlog at the end, and over
 *   small backlogs of {@link SMALL_BACKLOG} entries as the server's filler sees them.
 */
import pg from 'pg';
import {
  appendAuditEntry, auditAppendArguments, AUDIT_APPEND_SQL, catchUpAuditLookup, withWriteTransaction, type AuditEntryFields, type Store, type StoreKind,
} from '../src/store/index.js';
import { sampleEntry, seeded } from './audit-entries.js';
import { openBenchStore, type BenchStore } from './bench-stores.js';
import { createBenchWorld, type BenchWorld } from './bench-world.js';
import { bulkLoadPostgres, bulkLoadSqlite } from './bulk-orders.js';
import { openRawSqlite, rawSqliteAuditAppender, readSqliteSettings } from './sqlite-limits.js';
import { measureAsync, measureSync, warmUp, type Throughput } from './timing.js';

/** One order-change loop measured with and without the audit append, in interleaved rounds. */
export interface LogPair {
  readonly callers: number;
  readonly withLog: Throughput;
  readonly withoutLog: Throughput;
}

/** Everything part 1 measured on one engine. */
export interface AppendRun {
  readonly kind: StoreKind;
  readonly aloneSingle: Throughput;
  readonly aloneConcurrent: Throughput;
  /** Raw prepared statements (SQLite: one connection, so 1 caller only). */
  readonly raw: readonly LogPair[];
  /** Through the store: Kysely and withWriteTransaction, the real appendAuditEntry. */
  readonly viaStore: readonly LogPair[];
  /** Real `orders.perform(planner, id, 'submit')` calls on orders created untimed just before: 1 caller, then `concurrency`. */
  readonly submits: readonly { readonly callers: number; readonly run: Throughput }[];
  /** Entries in the log at the end, checked dense (count = max(idx) + 1). */
  readonly entries: number;
  /** `catchUpAuditLookup` over everything the runs above appended: entries copied, and how long it took. */
  readonly catchUpBacklog: { readonly entries: number; readonly ms: number };
  /** `catchUpAuditLookup` over {@link SMALL_BACKLOG} fresh entries, several rounds: the median milliseconds of one. */
  readonly catchUpSmall: { readonly entries: number; readonly rounds: number; readonly medianMs: number };
}

/** Entries appended before each timed small catch-up: about a second of changes at a few dozen a second. */
export const SMALL_BACKLOG = 50;

/** Orders bulk-loaded for the transitions to change (each change bumps one order's version). */
const ORDERS = 1000;

/** The sum of rounds of one loop: rates add up; p50/p95 are the count-weighted means of the rounds'. */
function combine(parts: readonly Throughput[]): Throughput {
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const seconds = parts.reduce((sum, part) => sum + part.seconds, 0);
  const weighted = (pick: (part: Throughput) => number): number => (count === 0 ? Number.NaN : parts.reduce((sum, part) => sum + pick(part) * part.count, 0) / count);
  return { count, seconds, perSecond: seconds > 0 ? count / seconds : 0, p50Ms: weighted((part) => part.p50Ms), p95Ms: weighted((part) => part.p95Ms) };
}

/**
 * Warms both variants up, then runs without / with / without / with for half of
 * `durationMs` each, so a drifting disk hits both alike.
 */
async function measurePair(callers: number, durationMs: number, run: (withLog: boolean, ms: number) => Promise<Throughput>): Promise<LogPair> {
  const warm = Math.min(300, durationMs / 4);
  await run(false, warm);
  await run(true, warm);
  const withLog: Throughput[] = [];
  const withoutLog: Throughput[] = [];
  for (let round = 0; round < 2; round += 1) {
    withoutLog.push(await run(false, durationMs / 2));
    withLog.push(await run(true, durationMs / 2));
  }
  return { callers, withLog: combine(withLog), withoutLog: combine(withoutLog) };
}

/** Hands out the orders' ids round robin. */
function cycle(ids: readonly string[]): () => string {
  let turn = 0;
  return () => ids[turn++ % ids.length] ?? '';
}

/**
 * Entry fields for the order being changed, from a pool of the seeded mix made
 * before any timing (making them costs about as much as a tenth of an append).
 */
function fieldsFor(random: () => number, orderIds: readonly string[]): (orderId?: string) => AuditEntryFields {
  const pool = Array.from({ length: 4096 }, (_, index) => sampleEntry(index, random, orderIds, Date.now()));
  let turn = 0;
  return (orderId) => {
    const fields = pool[turn++ % pool.length] as AuditEntryFields;
    return orderId === undefined ? fields : { ...fields, orderId };
  };
}

// ---------------------------------------------------------------------------------------------
// Raw SQLite: better-sqlite3 on the store's file, the store's pragmas.

async function rawSqlitePair(bench: BenchStore, ids: readonly string[], fields: (orderId?: string) => AuditEntryFields, durationMs: number): Promise<LogPair> {
  const settings = await readSqliteSettings(bench.store);
  // The store's pragmas, and its durable commit (COMMIT, then the log forced to disk).
  const raw = openRawSqlite(bench.file ?? '', settings);
  try {
    const begin = raw.db.prepare('begin immediate');
    const readOrder = raw.db.prepare('select * from orders where id = ?');
    const updateOrder = raw.db.prepare('update orders set state = ?, version = version + 1, updated_at = ? where id = ? and version = ?');
    const append = rawSqliteAuditAppender(raw.db);
    const next = cycle(ids);
    const change = (withLog: boolean): void => {
      const id = next();
      begin.run();
      const row = readOrder.get(id) as { state: string; version: number };
      const to = row.state === 'released' ? 'dispatched' : 'released';
      updateOrder.run(to, new Date().toISOString(), id, row.version);
      if (withLog) append(fields(id));
      raw.commit();
    };
    return await measurePair(1, durationMs, (withLog, ms) => Promise.resolve(measureSync(ms, () => change(withLog))));
  } finally {
    raw.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Raw PostgreSQL: pg clients on the bench schema, appending (lock free) or queueing (lock taken) the entry
// and sequencing a queued one after the commit, as appendAuditEntry and withWriteTransaction do (without
// the store's sharing of one sequencing run among the callers that ask at once: here each runs its own).

async function rawPostgresPairs(url: string, schema: string, ids: readonly string[], fields: (orderId?: string) => AuditEntryFields, durationMs: number, concurrency: number): Promise<LogPair[]> {
  const clients: pg.Client[] = [];
  try {
    for (let index = 0; index < concurrency; index += 1) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000, options: `-c search_path=${schema}` });
      await client.connect();
      clients.push(client);
    }
    const next = cycle(ids);
    const change = async (client: pg.Client, withLog: boolean): Promise<void> => {
      const id = next();
      let queued = false;
      await client.query('begin isolation level read committed');
      try {
        const { rows } = await client.query<{ state: string; version: number }>('select * from orders where id = $1', [id]);
        const row = rows[0];
        if (row === undefined) throw new Error(`order ${id} is missing`);
        const to = row.state === 'released' ? 'dispatched' : 'released';
        await client.query('update orders set state = $1, version = version + 1, updated_at = $2 where id = $3 and version = $4', [to, new Date().toISOString(), id, row.version]);
        if (withLog) {
          const appended = await client.query<{ idx: number | null }>(AUDIT_APPEND_SQL.postgresAppendOrQueue, [false, ...auditAppendArguments(fields(id))]);
          queued = appended.rows[0]?.idx === null;
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
      if (queued) await client.query(AUDIT_APPEND_SQL.postgresSequence);
    };
    const pairs: LogPair[] = [];
    for (const callers of [1, concurrency]) {
      // A pg client runs one query at a time: each caller borrows an idle one per transaction.
      const idle = clients.slice(0, callers);
      pairs.push(await measurePair(callers, durationMs, (withLog, ms) => measureAsync({
        concurrency: callers, durationMs: ms, next: () => idle.pop(),
        op: async (client) => {
          try {
            await change(client, withLog);
          } finally {
            idle.push(client);
          }
        },
      })));
    }
    return pairs;
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

// ---------------------------------------------------------------------------------------------
// Through the store: what OrderService.change does around its audit entry, minus validation and policy.

async function storePairs(store: Store, ids: readonly string[], fields: (orderId?: string) => AuditEntryFields, durationMs: number, concurrency: number): Promise<LogPair[]> {
  const next = cycle(ids);
  const change = (withLog: boolean): Promise<void> => withWriteTransaction(store, async (trx) => {
    const id = next();
    const row = await trx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const to = row.state === 'released' ? 'dispatched' : 'released';
    const updated = await trx.updateTable('orders').set({ state: to, version: row.version + 1, updated_at: new Date().toISOString() })
      .where('id', '=', id).where('version', '=', row.version).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new Error(`order ${id} changed underneath the bench`);
    if (withLog) await appendAuditEntry(trx, fields(id));
  });
  const pairs: LogPair[] = [];
  for (const callers of [1, concurrency]) {
    pairs.push(await measurePair(callers, durationMs, (withLog, ms) => measureAsync({ concurrency: callers, durationMs: ms, next: () => withLog, op: change })));
  }
  return pairs;
}

/**
 * The real service call, log included: orders created (untimed) for `durationMs`, then
 * `orders.perform(…, 'submit')` on them from `callers` callers, until the time or the orders run out.
 */
async function realSubmits(world: BenchWorld, durationMs: number, callers: number): Promise<Throughput> {
  const { orders } = world.services;
  const { planner } = world.actors;
  const created: { id: string; version: number }[] = [];
  await measureAsync({ concurrency: callers, durationMs, next: () => world.orderInput(), op: async (input) => {
    const order = await orders.create(planner, input);
    created.push({ id: order.id, version: order.version });
  } });
  const submit = (order: { id: string; version: number }) => orders.perform(planner, order.id, 'submit', { version: order.version });
  // Warm-up on the first few, as the service section does.
  await warmUp(Math.min(20, Math.floor(created.length / 10)), (index) => submit(created[index] as { id: string; version: number }));
  let next = Math.min(20, Math.floor(created.length / 10));
  return measureAsync({ concurrency: callers, durationMs, next: () => created[next++], op: submit });
}

/** Appends through the store's own API, nothing else in the transaction. */
async function appendsAlone(store: Store, fields: (orderId?: string) => AuditEntryFields, durationMs: number, callers: number): Promise<Throughput> {
  const op = (): Promise<number | null> => withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields()));
  await measureAsync({ concurrency: callers, durationMs: Math.min(300, durationMs / 4), next: () => true, op });
  return measureAsync({ concurrency: callers, durationMs, next: () => true, op });
}

/** One `catchUpAuditLookup`, timed. */
async function timeCatchUp(store: Store): Promise<{ entries: number; ms: number }> {
  const started = performance.now();
  const entries = await catchUpAuditLookup(store);
  return { entries, ms: performance.now() - started };
}

/** `rounds` times: {@link SMALL_BACKLOG} appends (untimed), then one timed catch-up of them. */
async function smallCatchUps(store: Store, fields: (orderId?: string) => AuditEntryFields, rounds: number): Promise<AppendRun['catchUpSmall']> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    await withWriteTransaction(store, async (trx) => {
      for (let i = 0; i < SMALL_BACKLOG; i += 1) await appendAuditEntry(trx, fields());
    });
    const { entries, ms } = await timeCatchUp(store);
    if (entries !== SMALL_BACKLOG) throw new Error(`the catch-up copied ${entries} entries, expected ${SMALL_BACKLOG}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { entries: SMALL_BACKLOG, rounds, medianMs: times[Math.floor(times.length / 2)] ?? Number.NaN };
}

async function denseEntries(store: Store): Promise<number> {
  const row = await store.db.selectFrom('audit_entries')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('idx').as('last')]).executeTakeFirstOrThrow();
  const count = Number(row.n);
  const last = row.last === null ? -1 : Number(row.last);
  if (count !== last + 1) throw new Error(`the audit log is not dense: ${count} entries, last index ${last}`);
  return count;
}

/**
 * Part 1 on one engine, one fresh database: the bench world (plant, users),
 * {@link ORDERS} bulk-loaded orders, then appends alone (1 caller, then
 * `concurrency`), the raw with/without pairs and the through-the-store pairs.
 */
export async function benchAuditAppends(kind: StoreKind, postgresUrl: string, durationMs: number, concurrency: number): Promise<AppendRun> {
  const bench = await openBenchStore(kind, postgresUrl, 'audit_append');
  try {
    const world = await createBenchWorld(bench.store);
    const plan = { rows: ORDERS, workCenters: world.workCenters, createdBy: world.actors.planner.subject.userId };
    if (kind === 'sqlite') bulkLoadSqlite(bench.file ?? '', plan);
    else if (bench.options.kind === 'postgres' && bench.options.schema !== undefined) await bulkLoadPostgres(postgresUrl, bench.options.schema, plan);
    const ids = (await bench.store.db.selectFrom('orders').select('id').where('number', 'like', 'BULK-%').orderBy('number').execute()).map((row) => row.id);
    if (ids.length !== ORDERS) throw new Error(`expected ${ORDERS} bulk-loaded orders, found ${ids.length}`);
    const fields = fieldsFor(seeded(7), ids);

    const aloneSingle = await appendsAlone(bench.store, fields, durationMs, 1);
    const aloneConcurrent = await appendsAlone(bench.store, fields, durationMs, concurrency);
    const raw = kind === 'sqlite'
      ? [await rawSqlitePair(bench, ids, fields, durationMs)]
      : await rawPostgresPairs(postgresUrl, bench.options.kind === 'postgres' ? bench.options.schema ?? '' : '', ids, fields, durationMs, concurrency);
    const viaStore = await storePairs(bench.store, ids, fields, durationMs, concurrency);
    const submits = [];
    for (const callers of [1, concurrency]) submits.push({ callers, run: await realSubmits(world, durationMs, callers) });
    const entries = await denseEntries(bench.store);
    const catchUpBacklog = await timeCatchUp(bench.store);
    const catchUpSmall = await smallCatchUps(bench.store, fields, 20);
    return { kind, aloneSingle, aloneConcurrent, raw, viaStore, submits, entries, catchUpBacklog, catchUpSmall };
  } finally {
    await bench.dispose();
  }
}
