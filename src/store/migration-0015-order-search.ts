/**
 * Migration 0015: searching the order list by item and by customer reference (issue 7 point 3).
 * - `orders.item_code`: the current revision's item code, copied out of its public content so the
 *   list can filter on it through an index; filled here from each order's current revision. Byte
 *   order (`collate "C"` on PostgreSQL, SQLite's default BINARY) so a prefix is a plain index range.
 * - `orders.customer_tag`: a keyed blind index of the confidential customer reference (HMAC-SHA-256
 *   under the search key, see src/orders/customer-tag.ts). Migrations run without the keyring, so
 *   existing rows stay null ("not indexed yet") until `forgeline order reindex` fills them; the
 *   order service sets it on every new revision from now on.
 * - `search_keys`: the search key itself, wrapped by the keyring's KEK like the orders' data keys
 *   (and re-wrapped with them by `keys rotate-kek`), so every instance computes the same tags.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from './store-kind.js';

/** Builds migration 0015. */
export function orderSearchMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (kind === 'postgres') {
        await sql`alter table orders add column item_code text collate "C"`.execute(db);
        await sql`alter table orders add column customer_tag text collate "C"`.execute(db);
        await sql`update orders set item_code = r.content::jsonb #>> '{item,code}' from order_revisions r where r.order_id = orders.id and r.revision = orders.revision`.execute(db);
      } else {
        await sql`alter table orders add column item_code text`.execute(db);
        await sql`alter table orders add column customer_tag text`.execute(db);
        await sql`update orders set item_code = (select json_extract(r.content, '$.item.code') from order_revisions r where r.order_id = orders.id and r.revision = orders.revision)`.execute(db);
      }
      // The list's default order after the filter, so an item's newest orders are read from the index in order.
      await db.schema.createIndex('orders_item_code_index').on('orders').columns(['item_code', 'created_at', 'id']).execute();
      await db.schema.createIndex('orders_customer_tag_index').on('orders').columns(['customer_tag', 'created_at', 'id']).execute();
      await db.schema
        .createTable('search_keys')
        // What the key indexes ('customer-reference'): one key per purpose, made once by the first instance that needs it.
        .addColumn('purpose', 'text', (c) => c.primaryKey())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('search_keys').execute();
      await db.schema.dropIndex('orders_customer_tag_index').execute();
      await db.schema.dropIndex('orders_item_code_index').execute();
      await db.schema.alterTable('orders').dropColumn('customer_tag').execute();
      await db.schema.alterTable('orders').dropColumn('item_code').execute();
    },
  };
}
