/**
 * Fills the order list's search columns (migration 0015) of orders written before them:
 * `customer_tag` needs each order's customer reference decrypted and the search key, neither of
 * which a migration has (migrations run without the keyring), so the server does it: by itself in
 * the background after it starts (search-backfill.ts), and when asked (`forgeline order reindex`,
 * `POST /api/v1/orders/reindex`). Orders written since are indexed by the order service with each
 * revision. Batches are keyset-paged by id and each update is guarded by the revision it was
 * computed from, so running it beside live edits, twice, or on several instances at once is safe.
 */
import { z } from 'zod';
import { assertCan, type Actor } from '../access/index.js';
import { ForgelineError, idSchema, parseOrThrow } from '../domain/index.js';
import { withWriteTransaction, type Store } from '../store/index.js';
import { UNREADABLE_CUSTOMER_TAG } from './customer-tag.js';
import type { OrderSecrets } from './order-secrets.js';

/** `{after?, limit?}`: where the previous call stopped, and how many orders to look at in this one. */
export const reindexRequestSchema = z.strictObject({
  after: idSchema.optional().describe('the `next` of the previous answer'),
  limit: z.number().int().min(1).max(5000).default(1000).describe('orders to look at in this call'),
});

/** What one call did: orders indexed, orders whose customer reference could not be decrypted (their ids), and where to go on. */
export interface ReindexResult {
  readonly indexed: number;
  /** Orders whose customer reference did not decrypt (`decryption-failed`): marked {@link UNREADABLE_CUSTOMER_TAG}. */
  readonly failed: readonly string[];
  /** The `after` of the next call; null when every order has been looked at. */
  readonly next: string | null;
}

/** Rows updated per write transaction: short transactions, so order changes go on meanwhile. */
const WRITE_BATCH = 200;

/** Where a fill goes on and how much it takes at once; see {@link OrderSearchReindex.fill}. */
export interface FillRequest {
  readonly after?: string | undefined;
  readonly limit: number;
  /** Look again at orders marked unreadable (the manual reindex does; the fill at start does not). */
  readonly retryUnreadable?: boolean | undefined;
}

/** The search-index filler; see the module comment. */
export class OrderSearchReindex {
  constructor(private readonly deps: { readonly store: Store; readonly secrets: OrderSecrets }) {}

  /**
   * Indexes up to `limit` orders lacking a search column, after order id `after`. For whoever manages
   * the keys (admins): it decrypts in memory only, reveals nothing, and writes only derived columns,
   * like the audit lookup, so it is not an order change and leaves no audit entry.
   */
  async reindex(actor: Actor, input: unknown = {}): Promise<ReindexResult> {
    const request = parseOrThrow(reindexRequestSchema, input ?? {}, 'reindex request');
    assertCan(actor.subject, 'key.manage', { kind: 'system' });
    // Asked for by a person, it tries the unreadable orders again (a row restored from a backup, a
    // keyring put right) and so lists every one still unreadable.
    return this.fill({ ...request, retryUnreadable: true });
  }

  /**
   * Whether some order still lacks a search column (two probes, each answered from its column's
   * index). Orders marked unreadable have been looked at: they are not pending.
   */
  async pending(): Promise<boolean> {
    const db = this.deps.store.db;
    const untagged = await db.selectFrom('orders').select('id').where('customer_tag', 'is', null).limit(1).executeTakeFirst();
    return untagged !== undefined || (await db.selectFrom('orders').select('id').where('item_code', 'is', null).limit(1).executeTakeFirst()) !== undefined;
  }

  /**
   * {@link OrderSearchReindex.reindex} without an actor, for the server's own fill at start
   * ({@link SearchIndexBackfill}); callers acting for a person use `reindex`. An aborted `signal`
   * ends the call after the order in hand (at least one), still writing what was done. A search key the keyring
   * cannot open fails the whole call (`keyring-unavailable`, `decryption-failed`): it is no fault
   * of the orders, which would otherwise all be answered as unreadable. So does every other failure
   * but one order's reference not decrypting (a database error, the keyring lacking the KEK of an
   * order's own data key): the call fails with its own problem, and the orders stay unindexed for
   * the next call rather than being marked as unreadable for good.
   */
  async fill(request: FillRequest, signal?: AbortSignal): Promise<ReindexResult> {
    const db = this.deps.store.db;
    let query = db.selectFrom('orders').innerJoin('order_revisions', (join) => join.onRef('order_revisions.order_id', '=', 'orders.id').onRef('order_revisions.revision', '=', 'orders.revision'))
      .select(['orders.id', 'orders.revision', 'order_revisions.content', 'order_revisions.confidential'])
      .where((eb) => eb.or([
        eb('orders.customer_tag', 'is', null), eb('orders.item_code', 'is', null),
        ...(request.retryUnreadable === true ? [eb('orders.customer_tag', '=', UNREADABLE_CUSTOMER_TAG)] : []),
      ]));
    if (request.after !== undefined) query = query.where('orders.id', '>', request.after);
    const rows = await query.orderBy('orders.id').limit(request.limit).execute();
    if (rows.length > 0) await this.deps.secrets.customerSearch.key(db);
    const failed: string[] = [];
    const updates: { id: string; revision: number; itemCode: string; tag: string }[] = [];
    let lookedAt = 0;
    for (const row of rows) {
      // At least one order a call, so a call cut short still has an order to go on after.
      if (signal?.aborted && lookedAt > 0) break;
      lookedAt += 1;
      const itemCode = (JSON.parse(row.content) as { item: { code: string } }).item.code;
      let tag: string;
      try {
        const { customerReference } = await this.deps.secrets.openColumn(db, row.id, row.revision, row.confidential);
        tag = await this.deps.secrets.customerSearch.tagOf(db, customerReference);
      } catch (error) {
        if (!(error instanceof ForgelineError && error.code === 'decryption-failed')) throw error;
        // One order whose sealed fields or data key do not authenticate (a changed ciphertext) does not stop the
        // others: it is marked, so it is not looked at again at every start, and its id is answered.
        failed.push(row.id);
        tag = UNREADABLE_CUSTOMER_TAG;
      }
      updates.push({ id: row.id, revision: row.revision, itemCode, tag });
    }
    let indexed = 0;
    for (let start = 0; start < updates.length; start += WRITE_BATCH) {
      indexed += await withWriteTransaction(this.deps.store, async (trx) => {
        let changed = 0;
        for (const update of updates.slice(start, start + WRITE_BATCH)) {
          // Guarded: an order edited meanwhile has its new revision's columns already, set by the service.
          const result = await trx.updateTable('orders').set({ item_code: update.itemCode, customer_tag: update.tag })
            .where('id', '=', update.id).where('revision', '=', update.revision).executeTakeFirst();
          // A marked order is not indexed: it is in `failed`.
          if (update.tag !== UNREADABLE_CUSTOMER_TAG) changed += Number(result.numUpdatedRows);
        }
        return changed;
      });
    }
    // Cut short, it goes on after the last order it looked at.
    const last = rows[lookedAt - 1];
    return { indexed, failed, next: last !== undefined && (lookedAt < rows.length || rows.length === request.limit) ? last.id : null };
  }
}
