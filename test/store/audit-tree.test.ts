import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { MemoryTree, rootAddresses } from '../../src/crypto/index.js';
import { appendAuditEntry, migrateToLatest, withWriteTransaction, type Store } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';

const fields = (i: number) => ({ at: '2026-11-26T08:00:00.000Z', actor: 'ada', kind: 'order.create', outcome: 'ok' as const, detail: { i } });

async function storedNodes(store: Store): Promise<Map<string, string>> {
  const rows = await store.db.selectFrom('audit_tree_nodes').selectAll().execute();
  return new Map(rows.map((row) => [`${row.level}/${Number(row.idx)}`, row.hash]));
}

async function expectedNodes(store: Store): Promise<Map<string, string>> {
  const leaves = await store.db.selectFrom('audit_entries').select('leaf_hash').orderBy('idx').execute();
  const tree = new MemoryTree();
  const nodes = new Map<string, string>();
  for (const leaf of leaves) for (const node of tree.append(Buffer.from(leaf.leaf_hash, 'hex'))) nodes.set(`${node.level}/${node.index}`, Buffer.from(node.hash).toString('hex'));
  return nodes;
}

describeEachEngine('the audit Merkle tree in the store', (engine) => {
  it('stores every complete subtree in the transaction of the entry that completes it', async () => {
    const store = engine.store();
    await Promise.all(Array.from({ length: 37 }, (_, i) => withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields(i)))));
    const stored = await storedNodes(store);
    expect(stored).toEqual(await expectedNodes(store));
    // 37 = 32 + 4 + 1: the root is made of three perfect subtrees, all stored.
    for (const address of rootAddresses(37)) expect(stored.has(`${address.level}/${address.index}`)).toBe(true);
  });

  it('keeps no node of an entry whose transaction rolled back', async () => {
    const store = engine.store();
    await withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields(0)));
    await expect(withWriteTransaction(store, async (trx) => {
      await appendAuditEntry(trx, fields(1));
      throw new Error('change failed');
    })).rejects.toThrow('change failed');
    expect([...(await storedNodes(store)).keys()]).toEqual(['0/0']);
    await withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields(1)));
    expect(await storedNodes(store)).toEqual(await expectedNodes(store));
  });

  it('hashes a log that predates the tree into it when migrating', async () => {
    const store = engine.store();
    for (let i = 0; i < 11; i += 1) await withWriteTransaction(store, (trx) => appendAuditEntry(trx, fields(i)));
    const before = await storedNodes(store);
    // Undo migration 0002 by hand, then migrate again: the backfill must rebuild the same nodes.
    await sql`drop table audit_checkpoints`.execute(store.db);
    await sql`drop table audit_tree_nodes`.execute(store.db);
    await sql`delete from kysely_migration where name = '0002_audit_tree'`.execute(store.db);
    await migrateToLatest(store.db, store.kind, engine.kind === 'postgres' ? (engine.options() as { schema?: string }).schema : undefined);
    expect(await storedNodes(store)).toEqual(before);
  });
});
