import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  appendAuditEntry, catchUpAuditLookup, CodeMigrationProvider, migrateToLatest, withWriteTransaction, type Store,
} from '../../src/store/index.js';
import { describeEachEngine, type EngineContext } from '../support/engines.js';

const KINDS = ['order.create', 'order.release', 'order.cancel'] as const;

const fields = (i: number) => ({
  at: new Date(Date.UTC(2026, 10, 26, 8, 0, i)).toISOString(),
  actorId: `user-${i % 3}`,
  actor: `user ${i % 3}`,
  kind: KINDS[i % KINDS.length] ?? 'order.create',
  outcome: i % 5 === 0 ? ('denied' as const) : ('ok' as const),
  orderId: i % 4 === 0 ? null : `order-${i % 7}`,
  detail: { i },
});

const append = (store: Store, i: number) => withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields(i)));

/** The lookup's rows, and the same columns as `audit_entries` holds them, both in index order. */
async function lookupAndEntries(store: Store) {
  const columns = ['idx', 'at', 'actor_id', 'kind', 'outcome', 'order_id'] as const;
  const lookup = await store.db.selectFrom('audit_lookup').select(columns).orderBy('idx').execute();
  const entries = await store.db.selectFrom('audit_entries').select(columns).orderBy('idx').execute();
  const plain = (rows: typeof lookup) => rows.map((row) => ({ ...row, idx: Number(row.idx) }));
  return { lookup: plain(lookup), entries: plain(entries) };
}

async function tableIndexes(store: Store, table: string): Promise<string[]> {
  const { rows } = store.kind === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table}`.execute(store.db)
    : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${table} and schemaname = current_schema()`.execute(store.db);
  return rows.map((row) => row.name).filter((name) => !name.endsWith('_pkey')).sort();
}

function migrate(engine: EngineContext, store: Store): Promise<readonly string[]> {
  return migrateToLatest(store.db, store.kind, engine.kind === 'postgres' ? (engine.options() as { schema?: string }).schema : undefined);
}

describeEachEngine('the audit lookup', (engine) => {
  it('is not written by an append, and catches up with the entries appended since it was last filled', async () => {
    const store = engine.store();
    for (let i = 0; i < 5; i += 1) await append(store, i);
    expect(await store.db.selectFrom('audit_lookup').select('idx').execute()).toEqual([]);
    expect(await catchUpAuditLookup(store)).toBe(5);
    await Promise.all(Array.from({ length: 12 }, (_, i) => append(store, 5 + i)));
    expect(await catchUpAuditLookup(store)).toBe(12);
    expect(await catchUpAuditLookup(store)).toBe(0);
    const { lookup, entries } = await lookupAndEntries(store);
    expect(entries).toHaveLength(17);
    expect(lookup).toEqual(entries);
  });

  it('is filled by concurrent catch-ups, from several stores, without failing or copying an entry twice', async () => {
    const stores = [engine.store(), ...(await Promise.all([engine.openStore(), engine.openStore(), engine.openStore()]))];
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(Array.from({ length: 25 }, (_, i) => append(stores[i % stores.length] as Store, round * 25 + i)));
      const copied = await Promise.all(stores.flatMap((store) => [catchUpAuditLookup(store), catchUpAuditLookup(store)]));
      expect(copied.reduce((sum, n) => sum + n, 0)).toBe(25);
    }
    // Appends and catch-ups interleaved: whatever order they run in, each entry is copied once.
    const racing = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? append(stores[i % 4] as Store, 100 + i) : catchUpAuditLookup(stores[i % 4] as Store))));
    await catchUpAuditLookup(engine.store());
    const { lookup, entries } = await lookupAndEntries(engine.store());
    expect(entries).toHaveLength(120);
    expect(lookup).toEqual(entries);
    expect(racing).toHaveLength(40);
  });

  it('is backfilled from an existing log by its migration, whose down puts the indexes back on audit_entries', async () => {
    const store = engine.store();
    // Appended first: undoing 0006, which 0005 precedes, takes the PostgreSQL append with it.
    for (let i = 0; i < 23; i += 1) await append(store, i);
    const migrations = await new CodeMigrationProvider(store.kind).getMigrations();
    for (const name of ['0016_release_attestations', '0015_order_search', '0014_work_center_state_index', '0013_due_end_index', '0012_due_end_utc', '0011_device_reports', '0010_zones', '0009_devices', '0008_order_keys', '0007_audit_queue', '0006_audit_append_function', '0005_audit_lookup']) {
      await migrations[name]?.down?.(store.db);
      await sql`delete from kysely_migration where name = ${name}`.execute(store.db);
    }
    expect((await store.db.introspection.getTables()).map((table) => table.name)).not.toContain('audit_lookup');
    expect(await tableIndexes(store, 'audit_entries')).toEqual(['audit_entries_actor_index', 'audit_entries_at_index', 'audit_entries_kind_index', 'audit_entries_order_index']);

    expect(await migrate(engine, store)).toEqual(['0005_audit_lookup', '0006_audit_append_function', '0007_audit_queue', '0008_order_keys', '0009_devices', '0010_zones', '0011_device_reports', '0012_due_end_utc', '0013_due_end_index', '0014_work_center_state_index', '0015_order_search', '0016_release_attestations']);
    const { lookup, entries } = await lookupAndEntries(store);
    expect(entries).toHaveLength(23);
    expect(lookup).toEqual(entries);
    expect(await tableIndexes(store, 'audit_entries')).toEqual([]);
    expect(await tableIndexes(store, 'audit_lookup')).toEqual(['audit_lookup_actor_index', 'audit_lookup_at_index', 'audit_lookup_kind_index', 'audit_lookup_order_index']);
    // Backfilled, so nothing is left to copy until the next append.
    expect(await catchUpAuditLookup(store)).toBe(0);
    await append(store, 23);
    expect(await catchUpAuditLookup(store)).toBe(1);
  });
});
