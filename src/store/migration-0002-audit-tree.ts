/**
 * Migration 0002: the audit log's Merkle tree (RFC 9162) and its signed checkpoints.
 * `audit_tree_nodes` keeps the hash of every complete (perfect) subtree, so any
 * root or proof is O(log n) reads and nothing is ever rebuilt per request.
 * Existing entries are hashed into the tree here, once.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { MemoryTree } from '../crypto/index.js';

/** Builds migration 0002. */
export function auditTreeMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_tree_nodes')
        // The subtree of 2^level leaves starting at leaf idx * 2^level.
        .addColumn('level', 'integer', (c) => c.notNull().check(sql`level >= 0 and level < 64`))
        .addColumn('idx', 'bigint', (c) => c.notNull().check(sql`idx >= 0`))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_tree_nodes_pk', ['level', 'idx'])
        .execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('size', 'bigint', (c) => c.primaryKey().notNull().check(sql`size >= 0`))
        .addColumn('root_hash', 'text', (c) => c.notNull())
        // The C2SP signed note exactly as signed (and later cosigned by witnesses).
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await backfill(db as BackfillDb);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_checkpoints').execute();
      await db.schema.dropTable('audit_tree_nodes').execute();
    },
  };
}

type BackfillDb = Kysely<{ audit_entries: { idx: number; leaf_hash: string }; audit_tree_nodes: { level: number; idx: number; hash: string } }>;

async function backfill(db: BackfillDb): Promise<void> {
  const tree = new MemoryTree();
  const batch: { level: number; idx: number; hash: string }[] = [];
  const flush = async () => {
    if (batch.length) await db.insertInto('audit_tree_nodes').values(batch.splice(0)).execute();
  };
  for (let after = -1; ; ) {
    const rows = await db.selectFrom('audit_entries').select(['idx', 'leaf_hash']).where('idx', '>', after).orderBy('idx').limit(5000).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      for (const node of tree.append(Buffer.from(row.leaf_hash, 'hex'))) batch.push({ level: node.level, idx: node.index, hash: Buffer.from(node.hash).toString('hex') });
      after = Number(row.idx);
      // Well under SQLite's limit of bound parameters per statement.
      if (batch.length >= 2000) await flush();
    }
    await flush();
  }
}
