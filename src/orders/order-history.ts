import { z } from 'zod';
import { ORDER_ACTIONS } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** The audit kinds that are changes of an order (not reads of it). */
const CHANGE_KINDS: readonly string[] = ['order.create', ...ORDER_ACTIONS.map((action) => `order.${action}`)];

/** Paging of an order's history: a page of at most `limit` entries after `cursor`, oldest or newest first. */
export const orderHistoryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().regex(/^[0-9]{1,15}$/, 'must be a cursor returned by a previous page').optional(),
  order: z.enum(['oldest-first', 'newest-first']).default('oldest-first'),
});

/** The paging asked of {@link loadOrderHistory}, as parsed by {@link orderHistoryQuerySchema}. */
export type OrderHistoryQuery = z.output<typeof orderHistoryQuerySchema>;

/** One accepted change of an order as its readers see it: what, when, by whom, and the reason or note given. */
export interface OrderHistoryEvent {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly revision: number | null;
  readonly reason: string | null;
  readonly note: string | null;
}

/** A page of an order's history with the cursor of the next page (null: the last page). */
export interface OrderHistoryPage {
  readonly items: readonly OrderHistoryEvent[];
  readonly nextCursor: string | null;
}

interface HistoryRow {
  readonly idx: number | string;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly revision: number | string | null;
  readonly detail: string;
}

/**
 * A page of the accepted changes of order `id` (progress reports included), read from the audit
 * log (the one record of them, so a hold's reason is where it was written) with keyset paging on
 * the entry index. Refusals and confidential reads are left out; only the reason and the note leave
 * an entry's detail. A read only: the indexed lookup answers up to its highest index, and the few
 * entries above it that the lookup's filler has not copied yet are read from the log's primary key.
 */
export async function loadOrderHistory(store: Store, id: string, query: OrderHistoryQuery): Promise<OrderHistoryPage> {
  const db = store.db;
  const { last } = await db.selectFrom('audit_lookup').select((eb) => eb.fn.max('idx').as('last')).executeTakeFirstOrThrow();
  const floor = last === null ? -1 : Number(last);
  const after = query.cursor === undefined ? undefined : Number(query.cursor);
  const newest = query.order === 'newest-first';
  const direction = newest ? 'desc' : 'asc';
  const wanted = query.limit + 1;
  // The lookup's part holds indices up to `floor`, the tail's those above: no entry is read twice.
  const lookupPart = async (take: number): Promise<HistoryRow[]> => {
    if (take <= 0 || floor < 0) return [];
    let select = db
      .selectFrom('audit_lookup as l')
      .innerJoin('audit_entries as e', 'e.idx', 'l.idx')
      .select(['e.idx', 'e.at', 'e.actor', 'e.kind', 'e.revision', 'e.detail'])
      .where('l.order_id', '=', id)
      .where('l.outcome', '=', 'ok')
      .where('l.kind', 'in', [...CHANGE_KINDS])
      .where('l.idx', '<=', floor);
    if (after !== undefined) select = select.where('l.idx', newest ? '<' : '>', after);
    return select.orderBy('l.idx', direction).limit(take).execute();
  };
  const tailPart = async (take: number): Promise<HistoryRow[]> => {
    if (take <= 0) return [];
    let select = db
      .selectFrom('audit_entries')
      .select(['idx', 'at', 'actor', 'kind', 'revision', 'detail'])
      .where('idx', '>', floor)
      .where('order_id', '=', id)
      .where('outcome', '=', 'ok')
      .where('kind', 'in', [...CHANGE_KINDS]);
    if (after !== undefined) select = select.where('idx', newest ? '<' : '>', after);
    return select.orderBy('idx', direction).limit(take).execute();
  };
  const rows: HistoryRow[] = [];
  if (newest) {
    rows.push(...(await tailPart(wanted)));
    rows.push(...(await lookupPart(wanted - rows.length)));
  } else {
    rows.push(...(await lookupPart(wanted)));
    rows.push(...(await tailPart(wanted - rows.length)));
  }
  const page = rows.slice(0, query.limit);
  const lastRow = page.at(-1);
  return {
    items: page.map((row) => {
      const detail = JSON.parse(row.detail) as Record<string, unknown>;
      return {
        at: row.at, actor: row.actor, action: row.kind.slice('order.'.length), revision: row.revision === null ? null : Number(row.revision),
        reason: typeof detail.reason === 'string' ? detail.reason : null,
        note: typeof detail.note === 'string' ? detail.note : null,
      };
    }),
    nextCursor: rows.length > query.limit && lastRow ? String(lastRow.idx) : null,
  };
}
