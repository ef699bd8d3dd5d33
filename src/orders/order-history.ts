import { ORDER_ACTIONS } from '../domain/index.js';
import { catchUpAuditLookup, type Store } from '../store/index.js';

/** The audit kinds that are changes of an order (not reads of it). */
const CHANGE_KINDS: readonly string[] = ['order.create', ...ORDER_ACTIONS.map((action) => `order.${action}`)];

/** One accepted change of an order as its readers see it: what, when, by whom, and the reason or note given. */
export interface OrderHistoryEvent {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly revision: number | null;
  readonly reason: string | null;
  readonly note: string | null;
}

/**
 * The accepted changes of order `id`, oldest first, read from the audit log (the one record of
 * them, so a hold's reason is where it was written). Refusals and confidential reads are left out;
 * only the reason and the note leave an entry's detail.
 */
export async function loadOrderHistory(store: Store, id: string): Promise<OrderHistoryEvent[]> {
  // Entries committed before this call are in the lookup once this resolves: the answer is exact.
  await catchUpAuditLookup(store);
  const rows = await store.db
    .selectFrom('audit_lookup as l')
    .innerJoin('audit_entries as e', 'e.idx', 'l.idx')
    .select(['e.at', 'e.actor', 'e.kind', 'e.revision', 'e.detail'])
    .where('l.order_id', '=', id)
    .where('e.order_id', '=', id)
    .where('e.outcome', '=', 'ok')
    .where('e.kind', 'in', [...CHANGE_KINDS])
    .orderBy('l.idx')
    .execute();
  return rows.map((row) => {
    const detail = JSON.parse(row.detail) as Record<string, unknown>;
    return {
      at: row.at, actor: row.actor, action: row.kind.slice('order.'.length), revision: row.revision === null ? null : Number(row.revision),
      reason: typeof detail.reason === 'string' ? detail.reason : null,
      note: typeof detail.note === 'string' ? detail.note : null,
    };
  });
}
