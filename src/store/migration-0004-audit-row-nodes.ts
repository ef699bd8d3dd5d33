/**
 * Migration 0004: the audit log's Merkle subtrees move into the rows of the entries that
 * completed them (`audit_entries.nodes`, laid out as audit-row-nodes.ts says) and
 * `audit_tree_nodes` goes, so an append writes one row instead of three (issue 3, point 9).
 * On SQLite `audit_entries` is rebuilt with `idx integer primary key`, the rowid, which also
 * drops its separate primary-key index. The stored hashes move as they are, never recomputed:
 * a tree that no longer matches its log still does not (a row keeps its hashes up to the first
 * one missing, and the readers take a row too short for a level as a missing node).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { auditRowAddresses, auditRowNode, NODE_HEX_LENGTH } from './audit-row-nodes.js';
import type { StoreKind } from './store-kind.js';

/** Builds migration 0004 for one engine. */
export function auditRowNodesMigration(kind: StoreKind): Migration {
  return {
    async up(untyped: Kysely<unknown>): Promise<void> {
      const db = untyped as Kysely<Tables>;
      if (kind === 'sqlite') {
        await createEntriesTable(db, 'integer', true);
        await forEachEntryBatch(db, 1000, async (first, last) => {
          const rows = await db.selectFrom('audit_entries').select(ENTRY_COLUMNS).where('idx', '>=', first).where('idx', '<=', last).orderBy('idx').execute();
          const stored = await storedNodes(db, first, last);
          await db.insertInto(REBUILT).values(rows.map((row) => ({ ...row, nodes: rowNodes(Number(row.idx), stored) }))).execute();
        });
        await replaceEntriesTable(db);
      } else {
        await db.schema.alterTable('audit_entries').addColumn('nodes', 'text').execute();
        await forEachEntryBatch(db, 5000, async (first, last, indices) => {
          const stored = await storedNodes(db, first, last);
          const nodes = indices.map((idx) => rowNodes(idx, stored));
          await sql`update audit_entries as e set nodes = v.nodes from unnest(${indices}::bigint[], ${nodes}::text[]) as v (idx, nodes)
            where e.idx = v.idx`.execute(db);
        });
        await db.schema.alterTable('audit_entries').alterColumn('nodes', (c) => c.setNotNull()).execute();
      }
      await db.schema.dropTable('audit_tree_nodes').execute();
    },

    async down(untyped: Kysely<unknown>): Promise<void> {
      const db = untyped as Kysely<Tables>;
      // As migration 0002 created it.
      await db.schema
        .createTable('audit_tree_nodes')
        .addColumn('level', 'integer', (c) => c.notNull().check(sql`level >= 0 and level < 64`))
        .addColumn('idx', 'bigint', (c) => c.notNull().check(sql`idx >= 0`))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_tree_nodes_pk', ['level', 'idx'])
        .execute();
      await forEachEntryBatch(db, 2000, async (first, last) => {
        const rows = await db.selectFrom('audit_entries').select(['idx', 'nodes']).where('idx', '>=', first).where('idx', '<=', last).execute();
        const nodes = rows.flatMap((row) => rowSubtrees(Number(row.idx), row.nodes));
        // Well under SQLite's limit of bound parameters per statement.
        for (let at = 0; at < nodes.length; at += 2000) await db.insertInto('audit_tree_nodes').values(nodes.slice(at, at + 2000)).execute();
      });
      if (kind === 'sqlite') {
        await createEntriesTable(db, 'bigint', false);
        const columns = sql.join(ENTRY_COLUMNS.map((column) => sql.ref(column)));
        await sql`insert into ${sql.table(REBUILT)} (${columns}) select ${columns} from audit_entries`.execute(db);
        await replaceEntriesTable(db);
      } else {
        await db.schema.alterTable('audit_entries').dropColumn('nodes').execute();
      }
    },
  };
}

/** The columns of `audit_entries` before this migration, as migration 0001 created them. */
const ENTRY_COLUMNS = [
  'idx', 'at', 'actor_id', 'actor', 'source', 'kind', 'outcome', 'order_id', 'revision', 'hash_before', 'hash_after', 'detail', 'entry', 'leaf_hash',
] as const;

interface EntryRow {
  idx: number;
  at: string;
  actor_id: string | null;
  actor: string;
  source: string | null;
  kind: string;
  outcome: string;
  order_id: string | null;
  revision: number | null;
  hash_before: string | null;
  hash_after: string | null;
  detail: string;
  entry: string;
  leaf_hash: string;
  nodes: string;
}

/** The SQLite table `audit_entries` is rebuilt into, then renamed. */
const REBUILT = 'audit_entries_0004';

interface Tables {
  audit_entries: EntryRow;
  audit_entries_0004: EntryRow;
  audit_tree_nodes: { level: number; idx: number; hash: string };
}

/**
 * Calls `batch` with the first and last index of each run of up to `size` entries, in index
 * order, and the indices in between that exist (a log with a gap is moved as it is).
 */
async function forEachEntryBatch(db: Kysely<Tables>, size: number, batch: (first: number, last: number, indices: number[]) => Promise<void>): Promise<void> {
  for (let after = -1; ; ) {
    const rows = await db.selectFrom('audit_entries').select('idx').where('idx', '>', after).orderBy('idx').limit(size).execute();
    const indices = rows.map((row) => Number(row.idx));
    const first = indices[0];
    const last = indices.at(-1);
    if (first === undefined || last === undefined) return;
    await batch(first, last, indices);
    after = last;
  }
}

/**
 * The stored subtrees that the rows first..last hold, keyed 'level/index': per level, the range
 * of subtrees whose last leaf falls in the batch, so each is one range scan of the primary key.
 */
async function storedNodes(db: Kysely<Tables>, first: number, last: number): Promise<Map<string, string>> {
  const ranges: { level: number; from: number; to: number }[] = [];
  for (let level = 0, width = 1; width <= last + 1; level += 1, width *= 2) {
    const from = Math.ceil((first + 1) / width) - 1;
    const to = Math.floor((last + 1) / width) - 1;
    if (from <= to) ranges.push({ level, from, to });
  }
  const rows = await db.selectFrom('audit_tree_nodes').select(['level', 'idx', 'hash'])
    .where((eb) => eb.or(ranges.map((range) => eb.and([eb('level', '=', range.level), eb('idx', '>=', range.from), eb('idx', '<=', range.to)]))))
    .execute();
  return new Map(rows.map((row) => [`${row.level}/${Number(row.idx)}`, row.hash]));
}

/** Row `idx`'s `nodes`: its subtrees' stored hashes, lowest first, up to the first one missing or malformed. */
function rowNodes(idx: number, stored: ReadonlyMap<string, string>): string {
  let nodes = '';
  for (const address of auditRowAddresses(idx)) {
    const hash = stored.get(`${address.level}/${address.index}`);
    if (hash?.length !== NODE_HEX_LENGTH) break;
    nodes += hash;
  }
  return nodes;
}

/** The `audit_tree_nodes` rows that row `idx`'s `nodes` holds. */
function rowSubtrees(idx: number, nodes: string): { level: number; idx: number; hash: string }[] {
  const subtrees: { level: number; idx: number; hash: string }[] = [];
  for (const address of auditRowAddresses(idx)) {
    const hash = auditRowNode(nodes, address.level);
    if (hash === undefined) break;
    subtrees.push({ level: address.level, idx: address.index, hash });
  }
  return subtrees;
}

/** Creates the SQLite table `audit_entries` is rebuilt into: migration 0001's columns, `idx` typed `idxType`, and `nodes` if asked. */
async function createEntriesTable(db: Kysely<Tables>, idxType: 'integer' | 'bigint', withNodes: boolean): Promise<void> {
  // `integer primary key` makes idx the rowid: no separate index, and the writer still assigns it (never null).
  const table = db.schema
    .createTable(REBUILT)
    .addColumn('idx', idxType, (c) => c.primaryKey().notNull().check(sql`idx >= 0`))
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
    .addColumn('leaf_hash', 'text', (c) => c.notNull());
  await (withNodes ? table.addColumn('nodes', 'text', (c) => c.notNull()) : table).execute();
}

/** Puts the rebuilt table in place of `audit_entries`, with migration 0001's secondary indexes under their names. */
async function replaceEntriesTable(db: Kysely<Tables>): Promise<void> {
  await db.schema.dropTable('audit_entries').execute();
  await db.schema.alterTable(REBUILT).renameTo('audit_entries').execute();
  for (const [name, columns] of [
    ['audit_entries_order_index', ['order_id', 'idx']],
    ['audit_entries_actor_index', ['actor_id', 'idx']],
    ['audit_entries_kind_index', ['kind', 'idx']],
    ['audit_entries_at_index', ['at']],
  ] as const) {
    await db.schema.createIndex(name).on('audit_entries').columns([...columns]).execute();
  }
}
