import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { MemoryTree, rootAddresses } from '../../src/crypto/index.js';
import {
  appendAuditEntry, auditRowAddresses, auditRowNode, catchUpAuditLookup, CodeMigrationProvider, migrateToLatest, readAuditTreeNodes, withWriteTransaction,
  NODE_HEX_LENGTH, type Store,
} from '../../src/store/index.js';
import { describeEachEngine, type EngineContext } from '../support/engines.js';

const fields = (i: number) => ({ at: '2026-11-26T08:00:00.000Z', actor: 'ada', kind: 'order.create', outcome: 'ok' as const, detail: { i } });

const append = (store: Store, i: number) => withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields(i)));

/** Every subtree hash the entry rows hold, keyed 'level/index', read back through the row layout. */
async function storedNodes(store: Store): Promise<Map<string, string>> {
  const rows = await store.db.selectFrom('audit_entries').select(['idx', 'nodes']).orderBy('idx').execute();
  const nodes = new Map<string, string>();
  for (const row of rows) {
    for (const address of auditRowAddresses(Number(row.idx))) {
      const hash = auditRowNode(row.nodes, address.level);
      if (hash !== undefined) nodes.set(`${address.level}/${address.index}`, hash);
    }
  }
  return nodes;
}

/** The subtrees a MemoryTree of the stored leaf hashes holds, keyed as {@link storedNodes}. */
async function expectedNodes(store: Store): Promise<Map<string, string>> {
  const leaves = await store.db.selectFrom('audit_entries').select('leaf_hash').orderBy('idx').execute();
  const tree = new MemoryTree();
  const nodes = new Map<string, string>();
  for (const leaf of leaves) for (const node of tree.append(Buffer.from(leaf.leaf_hash, 'hex'))) nodes.set(`${node.level}/${node.index}`, Buffer.from(node.hash).toString('hex'));
  return nodes;
}

/** The `audit_tree_nodes` table that migration 0004's down recreates, keyed as {@link storedNodes}. */
async function treeTableNodes(store: Store): Promise<Map<string, string>> {
  const { rows } = await sql<{ level: number; idx: number | string; hash: string }>`select level, idx, hash from audit_tree_nodes`.execute(store.db);
  return new Map(rows.map((row) => [`${row.level}/${Number(row.idx)}`, row.hash]));
}

async function undoMigration(store: Store, name: string): Promise<void> {
  const migrations = await new CodeMigrationProvider(store.kind).getMigrations();
  await migrations[name]?.down?.(store.db);
  await sql`delete from kysely_migration where name = ${name}`.execute(store.db);
}

function migrate(engine: EngineContext, store: Store): Promise<readonly string[]> {
  return migrateToLatest(store.db, store.kind, engine.kind === 'postgres' ? (engine.options() as { schema?: string }).schema : undefined);
}

/** Undoes migration 0004, after the later ones (Kysely applies migrations in order only). */
async function undoRowNodes(store: Store): Promise<void> {
  await undoMigration(store, '0016_release_attestations');
  await undoMigration(store, '0015_order_search');
  await undoMigration(store, '0014_work_center_state_index');
  await undoMigration(store, '0013_due_end_index');
  await undoMigration(store, '0012_due_end_utc');
  await undoMigration(store, '0011_device_reports');
  await undoMigration(store, '0010_zones');
  await undoMigration(store, '0009_devices');
  await undoMigration(store, '0008_order_keys');
  await undoMigration(store, '0007_audit_queue');
  await undoMigration(store, '0006_audit_append_function');
  await undoMigration(store, '0005_audit_lookup');
  await undoMigration(store, '0004_audit_row_nodes');
}

async function entryIndexes(store: Store, table = 'audit_entries'): Promise<string[]> {
  const { rows } = store.kind === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table}`.execute(store.db)
    : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${table} and schemaname = current_schema()`.execute(store.db);
  return rows.map((row) => row.name).sort();
}

/** Migration 0001's secondary indexes of `audit_entries`, there again once 0005 is undone. */
const SECONDARY_INDEXES = ['audit_entries_actor_index', 'audit_entries_at_index', 'audit_entries_kind_index', 'audit_entries_order_index'];
/** The same indexes, on `audit_lookup` since migration 0005. */
const LOOKUP_INDEXES = ['audit_lookup_actor_index', 'audit_lookup_at_index', 'audit_lookup_kind_index', 'audit_lookup_order_index'];

describeEachEngine('the audit Merkle tree in the store', (engine) => {
  it('stores every complete subtree in the row of the entry that completes it', async () => {
    const store = engine.store();
    await Promise.all(Array.from({ length: 37 }, (_, i) => append(store, i)));
    const stored = await storedNodes(store);
    expect(stored).toEqual(await expectedNodes(store));
    // 37 = 32 + 4 + 1: the root is made of three perfect subtrees, all stored.
    for (const address of rootAddresses(37)) expect(stored.has(`${address.level}/${address.index}`)).toBe(true);
    // Each row holds exactly its own subtrees, the leaf first.
    for (const row of await store.db.selectFrom('audit_entries').select(['idx', 'leaf_hash', 'nodes']).execute()) {
      expect(row.nodes.length).toBe(NODE_HEX_LENGTH * auditRowAddresses(Number(row.idx)).length);
      expect(row.nodes.slice(0, NODE_HEX_LENGTH)).toBe(row.leaf_hash);
    }
  });

  it('matches a MemoryTree of its leaves after many appends from two stores at once', async () => {
    const stores = [engine.store(), await engine.openStore()];
    await Promise.all(Array.from({ length: 300 }, (_, i) => append(stores[i % 2] as Store, i)));
    const stored = await storedNodes(engine.store());
    // n leaves make 2n − popcount(n) perfect subtrees: 600 − 4.
    expect(stored.size).toBe(596);
    expect(stored).toEqual(await expectedNodes(engine.store()));
  });

  it('keeps no node of an entry whose transaction rolled back', async () => {
    const store = engine.store();
    await append(store, 0);
    await expect(withWriteTransaction(store, async (trx) => {
      await appendAuditEntry(trx, fields(1));
      throw new Error('change failed');
    })).rejects.toThrow('change failed');
    expect([...(await storedNodes(store)).keys()]).toEqual(['0/0']);
    await append(store, 1);
    expect(await storedNodes(store)).toEqual(await expectedNodes(store));
  });

  it('reads stored nodes in the order asked, a missing one or one its row is too short for as empty', async () => {
    const store = engine.store();
    for (let i = 0; i < 6; i += 1) await append(store, i);
    const tree = MemoryTree.of((await store.db.selectFrom('audit_entries').select('leaf_hash').orderBy('idx').execute()).map((row) => Buffer.from(row.leaf_hash, 'hex')));
    const asked = [{ level: 1, index: 2 }, { level: 2, index: 0 }, { level: 0, index: 4 }, { level: 1, index: 1 }];
    expect((await readAuditTreeNodes(store.db, asked)).map((hash) => Buffer.from(hash).toString('hex')))
      .toEqual(tree.getMany(asked).map((hash) => Buffer.from(hash).toString('hex')));
    // Row 3 holds (0, 3), (1, 1) and (2, 0); cut it to the leaf alone.
    await store.db.updateTable('audit_entries').set({ nodes: sql<string>`substr(nodes, 1, ${NODE_HEX_LENGTH})` }).where('idx', '=', 3).execute();
    const answered = await readAuditTreeNodes(store.db, [{ level: 2, index: 0 }, { level: 0, index: 3 }, { level: 0, index: 6 }, { level: 3, index: 0 }, { level: 1, index: -1 }]);
    expect(answered.map((hash) => hash.length)).toEqual([0, 32, 0, 0, 0]);
  });

  it('refuses to append when a left sibling the new leaf needs is missing from its row', async () => {
    const store = engine.store();
    for (let i = 0; i < 3; i += 1) await append(store, i);
    // Leaf 3 needs (0, 2) from row 2 and (1, 0) from row 1.
    await store.db.updateTable('audit_entries').set({ nodes: sql<string>`substr(nodes, 1, ${NODE_HEX_LENGTH})` }).where('idx', '=', 1).execute();
    // A store opened now (a restarted server) has only the rows to go on.
    const restarted = await engine.openStore();
    if (engine.kind === 'sqlite') {
      await expect(append(restarted, 3)).rejects.toThrow('audit tree node 1/0 is missing');
    } else {
      // PostgreSQL appends in place, and refuses, when the log's lock is free; when another writer
      // of the database holds it, the change commits with its entry queued, and the sequencer
      // refuses to place it, to the next reader.
      const inPlace = await append(restarted, 3).then(() => false, (error: unknown) => {
        expect(String(error)).toContain('audit tree node 1/0 is missing');
        return true;
      });
      if (!inPlace) {
        await expect(catchUpAuditLookup(restarted)).rejects.toThrow('audit tree node 1/0 is missing');
        expect(await restarted.db.selectFrom('audit_queue').select('kind').execute()).toEqual([{ kind: 'order.create' }]);
      }
    }
    expect(await store.db.selectFrom('audit_entries').select('idx').where('idx', '=', 3).executeTakeFirst()).toBeUndefined();
  });

  // SQLite only: a Store there remembers the tree's right edge between transactions; PostgreSQL's sequencer reads it every time.
  if (engine.kind === 'sqlite') it('appends in the right place after what it remembers went stale: its own rolled-back entry, then another store taking that index', async () => {
    const [first, second] = [engine.store(), await engine.openStore()];
    for (let i = 0; i < 5; i += 1) await append(first, i);
    await expect(withWriteTransaction(first, async (trx) => {
      expect(await appendAuditEntry(trx, fields(5))).toBe(5);
      throw new Error('change failed');
    })).rejects.toThrow('change failed');
    // Indices 5 and 6 go to other entries than the one `first` rolled back.
    expect(await append(second, 50)).toBe(5);
    expect(await append(second, 51)).toBe(6);
    expect(await append(first, 7)).toBe(7);
    expect(await append(first, 8)).toBe(8);
    expect(await append(second, 9)).toBe(9);
    expect(await storedNodes(first)).toEqual(await expectedNodes(first));
    expect(await storedNodes(first)).toHaveProperty('size', 2 * 10 - 2);
  });

  it('keeps idx the primary key, the rowid on SQLite, and the four secondary indexes on the lookup only', async () => {
    const store = engine.store();
    expect(await entryIndexes(store)).toEqual(store.kind === 'sqlite' ? [] : ['audit_entries_pkey']);
    expect(await entryIndexes(store, 'audit_lookup')).toEqual(store.kind === 'sqlite' ? LOOKUP_INDEXES : ['audit_lookup_pkey', ...LOOKUP_INDEXES].sort());
    await append(store, 0);
    const row = await store.db.selectFrom('audit_entries').selectAll().executeTakeFirstOrThrow();
    await expect(store.db.insertInto('audit_entries').values({ ...row, idx: 0 }).execute()).rejects.toThrow(/unique|primary key/i);
    await expect(store.db.insertInto('audit_entries').values({ ...row, idx: -1 }).execute()).rejects.toThrow(/check/i);
  });

  it('moves the tree into the rows when migrating, and back out with the migration undone', async () => {
    const store = engine.store();
    for (let i = 0; i < 11; i += 1) await append(store, i);
    const before = await storedNodes(store);
    await undoRowNodes(store);
    expect(await treeTableNodes(store)).toEqual(await expectedNodes(store));
    const columns = (await store.db.introspection.getTables()).find((table) => table.name === 'audit_entries')?.columns.map((column) => column.name);
    expect(columns).not.toContain('nodes');
    // Undone on SQLite, idx is a bigint with a primary-key index of its own again, as 0001 made it.
    if (store.kind === 'sqlite') expect(await entryIndexes(store)).toEqual(['sqlite_autoindex_audit_entries_1', ...SECONDARY_INDEXES].sort());

    expect(await migrate(engine, store)).toEqual(['0004_audit_row_nodes', '0005_audit_lookup', '0006_audit_append_function', '0007_audit_queue', '0008_order_keys', '0009_devices', '0010_zones', '0011_device_reports', '0012_due_end_utc', '0013_due_end_index', '0014_work_center_state_index', '0015_order_search', '0016_release_attestations']);
    expect(await storedNodes(store)).toEqual(before);
    expect(await entryIndexes(store)).toEqual(store.kind === 'sqlite' ? [] : ['audit_entries_pkey']);
    expect((await store.db.introspection.getTables()).map((table) => table.name)).not.toContain('audit_tree_nodes');
    await append(store, 11);
    expect(await storedNodes(store)).toEqual(await expectedNodes(store));
  });

  it('moves the stored hashes as they are, so a tree that no longer matches its log still does not', async () => {
    const store = engine.store();
    for (let i = 0; i < 4; i += 1) await append(store, i);
    await undoRowNodes(store);
    await sql`delete from audit_tree_nodes where level = 1 and idx = 1`.execute(store.db);
    await migrate(engine, store);
    // Row 3 held (0, 3), (1, 1) and (2, 0): it keeps what precedes the gap, and (2, 0) now reads as missing too.
    const row = await store.db.selectFrom('audit_entries').select(['leaf_hash', 'nodes']).where('idx', '=', 3).executeTakeFirstOrThrow();
    expect(row.nodes).toBe(row.leaf_hash);
    expect((await readAuditTreeNodes(store.db, [{ level: 1, index: 1 }, { level: 2, index: 0 }])).map((hash) => hash.length)).toEqual([0, 0]);
  });

  it('hashes a log that predates the tree into it when migrating', async () => {
    const store = engine.store();
    for (let i = 0; i < 11; i += 1) await append(store, i);
    const before = await storedNodes(store);
    // Undo migration 0002 (and the later ones) by hand, then migrate again: the backfill must rebuild the same nodes.
    await undoRowNodes(store);
    await undoMigration(store, '0003_access');
    await sql`drop table audit_checkpoints`.execute(store.db);
    await sql`drop table audit_tree_nodes`.execute(store.db);
    await sql`delete from kysely_migration where name = '0002_audit_tree'`.execute(store.db);
    await migrate(engine, store);
    expect(await storedNodes(store)).toEqual(before);
  });
});
