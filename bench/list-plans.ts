/**
 * Query plans of the listing's slow shapes, printed under the listing table
 * to show where the time goes. The queries mirror `OrderQueries.list` in
 * src/orders/order-queries.ts (scope subquery, filters, keyset cursor); they
 * are rebuilt here because the service does not expose its SQL.
 */
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database, StoreKind } from '../src/store/index.js';

/** What one listing query filters on. */
export interface ListShape {
  readonly label: string;
  /** A plant node id the reader's role is scoped to (absent: enterprise-wide). */
  readonly scope?: string;
  readonly state?: string;
  readonly workCenterId?: string;
  readonly after?: { readonly createdAt: string; readonly id: string };
}

function listQuery(db: Kysely<Database>, shape: ListShape) {
  let select = db.selectFrom('orders').selectAll();
  const scope = shape.scope;
  if (scope !== undefined) {
    select = select.where('work_center_id', 'in', (eb) => eb.selectFrom('plant_nodes').select('id').where((inner) => inner.or([inner('path', 'like', `%/${scope}/%`)])));
  }
  if (shape.state) select = select.where('state', '=', shape.state);
  if (shape.workCenterId) select = select.where('work_center_id', '=', shape.workCenterId);
  const after = shape.after;
  if (after) select = select.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
  return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(21);
}

/** Condenses PostgreSQL's EXPLAIN ANALYZE text to its plan nodes and row counts, one line. */
function condense(lines: readonly string[]): string {
  return lines
    .map((line) => line.trim().replace(/^->\s*/, ''))
    .filter((line) => /Scan|Sort|Limit|Hash|Nested|Rows Removed|Index Cond|Filter|SubPlan|Merge|Append|Memoize/.test(line))
    .map((line) => line.replace(/\s+/g, ' '))
    .join(' | ');
}

/** One line per shape: the plan the engine chose (PostgreSQL: executed, with the rows it read and threw away). */
export async function explainListShapes(kind: StoreKind, db: Kysely<Database>, sqliteFile: string | undefined, shapes: readonly ListShape[]): Promise<string[]> {
  const out: string[] = [];
  if (kind === 'sqlite') {
    const raw = new BetterSqlite3(sqliteFile ?? '', { readonly: true });
    try {
      for (const shape of shapes) {
        const compiled = listQuery(db, shape).compile();
        const rows = raw.prepare(`explain query plan ${compiled.sql}`).all(...compiled.parameters) as { detail: string }[];
        out.push(`sqlite plan, ${shape.label}: ${rows.map((row) => row.detail).join(' | ')}`);
      }
    } finally {
      raw.close();
    }
    return out;
  }
  for (const shape of shapes) {
    const rows = (await listQuery(db, shape).explain(undefined, sql`analyze, costs off, timing off, summary off`)) as unknown as { 'QUERY PLAN': string }[];
    out.push(`postgres plan, ${shape.label}: ${condense(rows.map((row) => row['QUERY PLAN']))}`);
  }
  return out;
}
