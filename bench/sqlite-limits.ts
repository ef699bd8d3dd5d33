/**
 * The SQLite commit limit: bare single-row INSERT transactions per second
 * through better-sqlite3 on a temp file, with the pragmas a Forgeline store
 * actually runs with (read back from one, not copied from the source). Also,
 * as diagnostics, the same loop writing the rows Forgeline's own create and
 * transition transactions write (same schema and indexes, no service code):
 * the floor the engine sets for the service before any JavaScript runs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import {
  AUDIT_APPEND_SQL, planAuditAppendFromFrontier, planAuditAppendFromMemo, type AuditAppendMemo, type AuditEntryFields, type AuditTailRow, type Store,
} from '../src/store/index.js';
import { openBenchStore } from './bench-stores.js';
import { createBenchWorld, type BenchWorld } from './bench-world.js';
import { measureSync, type Throughput } from './timing.js';

/** The pragmas that decide what a commit costs. */
export interface SqliteSettings {
  readonly journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  readonly synchronous: number;
  readonly walAutocheckpoint: number;
  readonly pageSize: number;
  readonly sqliteVersion: string;
}

/** What the raw SQLite loops measured. */
export interface SqliteLimit {
  readonly settings: SqliteSettings;
  /** BEGIN IMMEDIATE; one small row; COMMIT. */
  readonly insert: Throughput;
  /** The rows of an order creation (orders, order_revisions and their indexes, the audit_entries row with its Merkle subtrees) in one transaction. */
  readonly createShaped: Throughput;
  /** The writes of a lifecycle transition (orders update, audit_entries insert) in one transaction. */
  readonly transitionShaped: Throughput;
}

const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

/** `synchronous` as its name. */
export function synchronousName(level: number): string {
  return SYNCHRONOUS_NAMES[level] ?? String(level);
}

async function pragma(store: Store, name: string): Promise<string | number> {
  const { rows } = await sql.raw<Record<string, string | number>>(`pragma ${name}`).execute(store.db);
  const value = rows[0] ? Object.values(rows[0])[0] : undefined;
  if (value === undefined) throw new Error(`pragma ${name} answered nothing`);
  return value;
}

/** Reads the commit-relevant settings of an open Forgeline SQLite store. */
export async function readSqliteSettings(store: Store): Promise<SqliteSettings> {
  return {
    journalMode: String(await pragma(store, 'journal_mode')),
    synchronous: Number(await pragma(store, 'synchronous')),
    walAutocheckpoint: Number(await pragma(store, 'wal_autocheckpoint')),
    pageSize: Number(await pragma(store, 'page_size')),
    sqliteVersion: String((await sql<{ v: string }>`select sqlite_version() as v`.execute(store.db)).rows[0]?.v ?? '?'),
  };
}

/** A raw better-sqlite3 handle set as a store is, and the commit that makes a transaction as durable as the store's. */
export interface RawSqlite {
  readonly db: BetterSqlite3.Database;
  /** COMMIT, then, as the store's connection does under synchronous=NORMAL, fdatasync of the log (here on this thread). */
  commit(): void;
  close(): void;
}

export function openRawSqlite(file: string, settings: SqliteSettings): RawSqlite {
  const db = new BetterSqlite3(file);
  db.pragma('busy_timeout = 5000');
  db.pragma(`page_size = ${settings.pageSize}`);
  db.pragma(`journal_mode = ${settings.journalMode}`);
  db.pragma(`synchronous = ${settings.synchronous}`);
  db.pragma(`wal_autocheckpoint = ${settings.walAutocheckpoint}`);
  db.pragma('foreign_keys = ON');
  const commit = db.prepare('commit');
  // Below FULL, SQLite does not fsync at COMMIT: the store forces the log itself (sqlite-database-connection.ts), so the limit does too.
  const forcesLog = settings.journalMode === 'wal' && settings.synchronous < 2;
  let log: number | undefined;
  return {
    db,
    commit() {
      commit.run();
      if (!forcesLog) return;
      log ??= openSync(`${file}-wal`, 'r');
      fdatasyncSync(log);
    },
    close() {
      if (log !== undefined) closeSync(log);
      db.close();
    },
  };
}

function measureBare(raw: RawSqlite, durationMs: number): Throughput {
  raw.db.exec('create table raw_insert (id integer primary key, at text not null, payload text not null)');
  const begin = raw.db.prepare('begin immediate');
  const insert = raw.db.prepare('insert into raw_insert (at, payload) values (?, ?)');
  // About the size of one orders row.
  const payload = 'x'.repeat(300);
  const once = (): void => {
    begin.run();
    insert.run(new Date().toISOString(), payload);
    raw.commit();
  };
  measureSync(Math.min(300, durationMs / 4), once);
  return measureSync(durationMs, once);
}

/**
 * The audit append as appendAuditEntry runs it on SQLite, on a raw connection: the entry row
 * inserted after the entry this connection remembers (no read), or, when that changes no
 * row, the read of the tree's right edge and the plain insert.
 */
export function rawSqliteAuditAppender(raw: BetterSqlite3.Database): (fields: AuditEntryFields) => void {
  const insertAfter = raw.prepare(AUDIT_APPEND_SQL.sqliteInsertAfter);
  const readFrontier = raw.prepare(AUDIT_APPEND_SQL.readFrontier);
  const insert = raw.prepare(AUDIT_APPEND_SQL.sqliteInsert);
  const memo: AuditAppendMemo = {};
  return (fields) => {
    const planned = planAuditAppendFromMemo(memo, fields);
    if (planned !== undefined && insertAfter.run(...planned.params).changes === 1) {
      planned.remember();
      return;
    }
    const fresh = planAuditAppendFromFrontier(memo, readFrontier.all() as AuditTailRow[], fields);
    insert.run(...fresh.values);
    fresh.remember();
  };
}

/** The statements of OrderService.create's and .change's transactions, bound to plain values. */
function measureShaped(raw: RawSqlite, world: BenchWorld, durationMs: number): { create: Throughput; transition: Throughput } {
  const db = raw.db;
  const begin = db.prepare('begin immediate');
  const numberTaken = db.prepare('select id from orders where number = ?');
  const insertOrder = db.prepare(`insert into orders (id, number, site_id, work_center_id, state, held_from, revision, version, content_hash, priority, due_end, created_by, created_at, updated_at, good_quantity, scrap_quantity, unit)
    values (?, ?, ?, ?, 'draft', null, 1, 1, ?, 'normal', ?, ?, ?, ?, '0', '0', 'pcs')`);
  const insertRevision = db.prepare('insert into order_revisions (order_id, revision, content_hash, content, confidential, created_by, created_at) values (?, 1, ?, ?, ?, ?, ?)');
  const appendAudit = rawSqliteAuditAppender(db);
  const readOrder = db.prepare('select * from orders where id = ?');
  const updateOrder = db.prepare('update orders set state = ?, version = version + 1, updated_at = ? where id = ? and version = ?');
  const planner = world.actors.planner.subject.userId;
  const ids: string[] = [];

  const audit = (kind: string, orderId: string, hash: string, detail: Record<string, unknown>): void => {
    const fields: AuditEntryFields = {
      at: new Date().toISOString(), actor: 'pia.planner', actorId: planner, source: '127.0.0.1', kind, outcome: 'ok', orderId, revision: 1,
      hashBefore: kind === 'order.create' ? null : hash, hashAfter: hash, detail,
    };
    appendAudit(fields);
  };
  const create = (): void => {
    const input = world.orderInput();
    const { parameters, customerReference, ...publicPart } = input;
    const id = randomUUID();
    const now = new Date().toISOString();
    const content = JSON.stringify(publicPart);
    const hash = createHash('sha256').update(content).digest('hex');
    begin.run();
    numberTaken.get(input.number);
    insertOrder.run(id, input.number, world.sites[0]?.id, input.workCenterId, hash, now, planner, now, now);
    insertRevision.run(id, hash, content, JSON.stringify({ parameters, customerReference }), planner, now);
    audit('order.create', id, hash, { number: input.number, state: 'draft' });
    raw.commit();
    ids.push(id);
  };
  let turn = 0;
  const transition = (): void => {
    const id = ids[turn++ % ids.length] ?? '';
    begin.run();
    const row = readOrder.get(id) as { state: string; version: number; content_hash: string };
    const to = row.state === 'released' ? 'dispatched' : 'released';
    updateOrder.run(to, new Date().toISOString(), id, row.version);
    audit('order.dispatch', id, row.content_hash, { from: row.state, to, version: row.version + 1 });
    raw.commit();
  };
  measureSync(Math.min(300, durationMs / 4), create);
  const created = measureSync(durationMs, create);
  measureSync(Math.min(300, durationMs / 4), transition);
  return { create: created, transition: measureSync(durationMs, transition) };
}

/**
 * Measures the bare loop in a temp file, then the Forgeline-shaped loops in the
 * file of a freshly opened Forgeline store (its schema, plant and users), each
 * for `durationMs` after a warm-up.
 */
export async function measureSqliteLimit(durationMs: number): Promise<SqliteLimit> {
  const bench = await openBenchStore('sqlite', '', 'sqlite-limit');
  try {
    const settings = await readSqliteSettings(bench.store);
    const world = await createBenchWorld(bench.store);
    const file = bench.file ?? '';
    const bare = openRawSqlite(join(file, '..', 'raw.db'), settings);
    let insert: Throughput;
    try {
      insert = measureBare(bare, durationMs);
    } finally {
      bare.close();
    }
    const shapedDb = openRawSqlite(file, settings);
    try {
      const shaped = measureShaped(shapedDb, world, durationMs);
      return { settings, insert, createShaped: shaped.create, transitionShaped: shaped.transition };
    } finally {
      shapedDb.close();
    }
  } finally {
    await bench.dispose();
  }
}

/** The bare loop alone (for the drift check at the end of a run). */
export async function measureSqliteBare(durationMs: number): Promise<Throughput> {
  const bench = await openBenchStore('sqlite', '', 'sqlite-drift');
  try {
    const raw = openRawSqlite(join(bench.file ?? '', '..', 'raw.db'), await readSqliteSettings(bench.store));
    try {
      return measureBare(raw, durationMs);
    } finally {
      raw.close();
    }
  } finally {
    await bench.dispose();
  }
}
