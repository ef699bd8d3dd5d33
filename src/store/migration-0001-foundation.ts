/**
 * Migration 0001: the foundation tables (plant, items, people, orders, audit).
 * A migration is frozen history: later changes go in a new migration, never
 * here. It uses only types both engines share (text, integer, bigint) so the
 * same code builds the same schema on SQLite and PostgreSQL.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from './store-kind.js';

/** Builds migration 0001 for one engine (only the path collation differs). */
export function foundationMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createPlantAndPeople(db, kind);
      await createOrders(db);
      await createAudit(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      // Children before parents, so foreign keys never dangle.
      for (const table of [
        'audit_entries', 'idempotency_keys', 'order_progress', 'order_signatures',
        'order_revisions', 'orders', 'sessions', 'role_assignments', 'users', 'items', 'plant_nodes',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

async function createPlantAndPeople(db: Kysely<unknown>, kind: StoreKind): Promise<void> {
  await db.schema
    .createTable('plant_nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('plant_nodes.id'))
    // Scope queries are byte-wise prefix ranges on '/a/b/'; PostgreSQL's
    // default collation may ignore '/', so pin "C" there (SQLite is binary).
    .addColumn('path', 'text', (c) => (kind === 'postgres' ? c.modifyFront(sql`collate "C"`) : c).notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('plant_nodes_parent_code_unique', ['parent_id', 'code'])
    .addCheckConstraint('plant_nodes_kind_check',
      sql`kind in ('enterprise', 'site', 'area', 'work-center', 'work-unit')`)
    .execute();
  await db.schema.createIndex('plant_nodes_path_index').on('plant_nodes').column('path').execute();
  // NULLs are distinct in a unique constraint, so roots need their own index.
  await db.schema.createIndex('plant_nodes_root_code_unique').on('plant_nodes').column('code')
    .unique().where(sql.ref('parent_id'), 'is', null).execute();

  await db.schema
    .createTable('items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('revision', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('items_code_revision_unique', ['code', 'revision'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0).check(sql`disabled in (0, 1)`))
    .addColumn('password_must_change', 'integer',
      (c) => c.notNull().defaultTo(0).check(sql`password_must_change in (0, 1)`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('role_assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('scope_node_id', 'text', (c) => c.references('plant_nodes.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('role_assignments_user_role_scope_unique', ['user_id', 'role', 'scope_node_id'])
    .execute();
  // Same NULL caveat: one enterprise-wide grant of a role per user.
  await db.schema.createIndex('role_assignments_enterprise_unique').on('role_assignments')
    .columns(['user_id', 'role']).unique().where(sql.ref('scope_node_id'), 'is', null).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('source', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_index').on('sessions').column('user_id').execute();
}

async function createOrders(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('site_id', 'text', (c) => c.notNull().references('plant_nodes.id'))
    .addColumn('work_center_id', 'text', (c) => c.notNull().references('plant_nodes.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('held_from', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('due_end', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('good_quantity', 'text', (c) => c.notNull())
    .addColumn('scrap_quantity', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .execute();
  // Keyset paging: every list is ordered by (created_at, id) after its filter.
  for (const [name, columns] of [
    ['orders_created_index', ['created_at', 'id']],
    ['orders_state_created_index', ['state', 'created_at', 'id']],
    ['orders_work_center_created_index', ['work_center_id', 'created_at', 'id']],
    ['orders_site_created_index', ['site_id', 'created_at', 'id']],
  ] as const) {
    await db.schema.createIndex(name).on('orders').columns([...columns]).execute();
  }

  await db.schema
    .createTable('order_revisions')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('confidential', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_revisions_pk', ['order_id', 'revision'])
    .execute();

  await db.schema
    .createTable('order_signatures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('signer_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('meaning', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    // A signature is over one stored revision, never a free-floating hash.
    .addForeignKeyConstraint('order_signatures_revision_fk', ['order_id', 'revision'],
      'order_revisions', ['order_id', 'revision'])
    .execute();
  await db.schema.createIndex('order_signatures_order_index').on('order_signatures')
    .columns(['order_id', 'revision']).execute();

  await db.schema
    .createTable('order_progress')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('operation_seq', 'integer', (c) => c.notNull())
    .addColumn('good', 'text', (c) => c.notNull())
    .addColumn('scrap', 'text', (c) => c.notNull())
    .addColumn('lots', 'text', (c) => c.notNull())
    .addColumn('reported_by', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('order_progress_order_seq_unique', ['order_id', 'seq'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();
}

async function createAudit(db: Kysely<unknown>): Promise<void> {
  // No foreign keys: the log must outlive (and never block the deletion of)
  // whatever it mentions, and actors may be devices or integrations.
  await db.schema
    .createTable('audit_entries')
    // bigint, not an identity/rowid alias: the writer assigns dense indices.
    .addColumn('idx', 'bigint', (c) => c.primaryKey().notNull().check(sql`idx >= 0`))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('ok', 'denied')`))
    .addColumn('order_id', 'text')
    .addColumn('revision', 'integer')
    .addColumn('hash_before', 'text')
    .addColumn('hash_after', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .execute();
  for (const [name, columns] of [
    ['audit_entries_order_index', ['order_id', 'idx']],
    ['audit_entries_actor_index', ['actor_id', 'idx']],
    ['audit_entries_kind_index', ['kind', 'idx']],
    ['audit_entries_at_index', ['at']],
  ] as const) {
    await db.schema.createIndex(name).on('audit_entries').columns([...columns]).execute();
  }
}
