/**
 * Migration 0005: the audit log's four secondary indexes move off `audit_entries` onto
 * `audit_lookup`, a derived copy of the columns auditors filter on, so an order change's
 * transaction writes the entry row only (issue 3, point 9). The lookup is filled outside order
 * transactions (audit-lookup.ts) and only finds indices; verification never reads it.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from './store-kind.js';

/** The columns `audit_lookup` copies from `audit_entries`, with `audit_entries`' types. */
const LOOKUP_COLUMNS = ['idx', 'at', 'actor_id', 'kind', 'outcome', 'order_id'] as const;

/** Migration 0001's secondary indexes of `audit_entries`, by name, as they move (column lists unchanged). */
const SECONDARY_INDEXES = [
  ['order', ['order_id', 'idx']],
  ['actor', ['actor_id', 'idx']],
  ['kind', ['kind', 'idx']],
  ['at', ['at']],
] as const;

/** Builds migration 0005 for one engine. */
export function auditLookupMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_lookup')
        // On SQLite `integer primary key` is the rowid: the table is its own idx order, no extra index.
        .addColumn('idx', kind === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey().notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text')
        .execute();
      // Backfill before indexing: one pass, then each index built sorted.
      const columns = sql.join(LOOKUP_COLUMNS.map((column) => sql.ref(column)));
      await sql`insert into audit_lookup (${columns}) select ${columns} from audit_entries`.execute(db);
      for (const [name, indexColumns] of SECONDARY_INDEXES) {
        await db.schema.dropIndex(`audit_entries_${name}_index`).execute();
        await db.schema.createIndex(`audit_lookup_${name}_index`).on('audit_lookup').columns([...indexColumns]).execute();
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const [name, indexColumns] of SECONDARY_INDEXES) {
        await db.schema.createIndex(`audit_entries_${name}_index`).on('audit_entries').columns([...indexColumns]).execute();
      }
      await db.schema.dropTable('audit_lookup').execute();
    },
  };
}
