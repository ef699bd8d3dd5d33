/**
 * Loads many orders straight into the `orders` table, bypassing the service,
 * so the listing benchmark has a realistic table to read: rows spread over
 * the plant's work centers and over the lifecycle states, newest last.
 * Revisions and audit entries are not written: listing reads only `orders`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { PlantNode } from '../src/domain/index.js';
import { withPgClient } from './bench-stores.js';
import { msBetween, now } from './timing.js';

/** A plant's share of states: most orders of a running plant are closed. */
const STATE_WEIGHTS: readonly (readonly [string, number])[] = [
  ['closed', 55], ['completed', 10], ['cancelled', 5], ['running', 6], ['paused', 1],
  ['held', 1], ['dispatched', 5], ['released', 6], ['submitted', 5], ['draft', 6],
];

/** One hundred states in proportion to {@link STATE_WEIGHTS}, to pick from uniformly. */
const STATE_TABLE: readonly string[] = STATE_WEIGHTS.flatMap(([state, weight]) => Array.from({ length: weight }, () => state));

/** The first order's creation time; each next one is 30 s later (a million span about a year). */
/** When the first bulk order was created, and the time between two. */
export const FIRST_CREATED_MS = Date.parse('2025-01-01T00:00:00.000Z');
export const SPACING_MS = 30_000;

/** What the bulk load needs to know of the plant and who created the orders. */
export interface BulkPlan {
  readonly rows: number;
  readonly workCenters: readonly PlantNode[];
  readonly createdBy: string;
}

/** Mulberry32: a small seeded generator, so every run loads the same spread. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function siteOf(node: PlantNode): string {
  // Path: enterprise, site, area, work center.
  const site = node.path[1];
  if (site === undefined) throw new Error(`work center ${node.code} has no site in its path`);
  return site;
}

/** How long after its creation a bulk order is due. */
export const DUE_AFTER_MS = 3 * 86_400_000;

/** The due end of an order created at `createdMs`, as the store keeps it (UTC, to the second). */
function dueEndOf(createdMs: number): string {
  return `${new Date(createdMs + DUE_AFTER_MS).toISOString().slice(0, 19)}Z`;
}

const COLUMNS = 'id, number, site_id, work_center_id, state, held_from, revision, version, content_hash, priority, due_end, created_by, created_at, updated_at, good_quantity, scrap_quantity, unit, item_code';

/** How many item codes the orders spread over (`ITEM-0000` …), for the item search figures. */
export const BULK_ITEM_CODES = 500;

/** Inserts the orders into a SQLite file in one transaction with one prepared statement. */
export function bulkLoadSqlite(file: string, plan: BulkPlan): void {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('busy_timeout = 5000');
    // A bigger page cache for this connection only: the random-UUID primary key touches pages all over the index.
    db.pragma('cache_size = -262144');
    const insert = db.prepare(`insert into orders (${COLUMNS}) values (${COLUMNS.split(',').map(() => '?').join(', ')})`);
    const random = seeded(42);
    const load = db.transaction(() => {
      for (let index = 0; index < plan.rows; index += 1) {
        const workCenter = plan.workCenters[Math.floor(random() * plan.workCenters.length)];
        const state = STATE_TABLE[Math.floor(random() * STATE_TABLE.length)] ?? 'closed';
        if (workCenter === undefined) throw new Error('no work center');
        const at = new Date(FIRST_CREATED_MS + index * SPACING_MS).toISOString();
        insert.run(
          randomUUID(), `BULK-${String(index).padStart(8, '0')}`, siteOf(workCenter), workCenter.id, state, state === 'held' ? 'running' : null,
          1, 1, randomBytes(32).toString('hex'), 'normal', dueEndOf(FIRST_CREATED_MS + index * SPACING_MS), plan.createdBy, at, at, '0', '0', 'pcs',
          `ITEM-${String(index % BULK_ITEM_CODES).padStart(4, '0')}`,
        );
      }
    });
    load();
  } finally {
    db.close();
  }
}

/** Inserts the orders into a PostgreSQL schema with one INSERT … SELECT over generate_series, then ANALYZE (as autovacuum would soon). */
export async function bulkLoadPostgres(url: string, schema: string, plan: BulkPlan): Promise<{ insertMs: number; analyzeMs: number }> {
  return withPgClient(url, async (client) => {
    await client.query(`set search_path = "${schema}"`);
    await client.query('select setseed(0.42)');
    const started = now();
    await client.query(
      `insert into orders (${COLUMNS})
       select gen_random_uuid()::text, 'BULK-' || lpad(g::text, 8, '0'), ($2::text[])[w], ($1::text[])[w], ($3::text[])[s],
              case when ($3::text[])[s] = 'held' then 'running' end, 1, 1, md5(g::text) || md5((-g)::text), 'normal', due, $4, at, at, '0', '0', 'pcs',
              'ITEM-' || lpad(((g - 1) % $6::int)::text, 4, '0')
       from (select g, 1 + floor(random() * cardinality($1::text[]))::int as w, 1 + floor(random() * cardinality($3::text[]))::int as s,
                    to_char((timestamptz '2025-01-01T00:00:00Z' + (g - 1) * interval '30 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at,
                    to_char((timestamptz '2025-01-01T00:00:00Z' + (g - 1) * interval '30 seconds' + interval '3 days') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as due
             from generate_series(1, $5::int) as g) as spread`,
      [plan.workCenters.map((node) => node.id), plan.workCenters.map(siteOf), STATE_TABLE, plan.createdBy, plan.rows, BULK_ITEM_CODES],
    );
    const inserted = now();
    await client.query('analyze orders');
    return { insertMs: msBetween(started, inserted), analyzeMs: msBetween(inserted, now()) };
  });
}
