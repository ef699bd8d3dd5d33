import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  withWriteTransaction, writeTransactionStats, type Store, type WriteTransaction,
} from '../../src/store/index.js';
import { MAX_JOBS_PER_BATCH } from '../../src/store/write-batcher.js';
import { describeEachEngine, type EngineContext } from '../support/engines.js';

const item = (id: string) => ({ id, code: id, revision: 'A', description: 'test item', unit: 'pcs', created_at: '2025-01-01T00:00:00.000Z' });

const insertItem = (id: string) => async (trx: WriteTransaction): Promise<string> => {
  await trx.insertInto('items').values(item(id)).execute();
  return id;
};

async function itemIds(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** Settles every promise and reports each as its value or its error message. */
async function outcomes(promises: readonly Promise<unknown>[]): Promise<string[]> {
  return (await Promise.allSettled(promises)).map((r) =>
    r.status === 'fulfilled' ? `ok:${String(r.value)}` : `error:${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
}

/** A second, raw connection to the running test's SQLite file, outside every Store queue. */
function rawConnection(engine: EngineContext, options: BetterSqlite3.Options = {}): BetterSqlite3.Database {
  const opened = engine.options();
  if (opened.kind !== 'sqlite') throw new Error('unreachable');
  return new BetterSqlite3(opened.file, options);
}

describeEachEngine('withWriteTransaction with concurrent callers', (engine) => {
  it('rejects only the failing caller and keeps nothing it wrote, while the others commit', async () => {
    const store = engine.store();
    const failure = new Error('b failed after writing');
    const results = await outcomes([
      withWriteTransaction(store, insertItem('a')),
      withWriteTransaction(store, async (trx) => {
        await insertItem('b')(trx);
        throw failure;
      }),
      withWriteTransaction(store, insertItem('c')),
    ]);
    expect(results).toEqual(['ok:a', 'error:b failed after writing', 'ok:c']);
    expect(await itemIds(store)).toEqual(['a', 'c']);
  });

  it('lets a later caller write what a failed caller wrote and took back', async () => {
    const store = engine.store();
    const results = await outcomes([
      withWriteTransaction(store, async (trx) => {
        await insertItem('x')(trx);
        throw new Error('x rolled back');
      }),
      withWriteTransaction(store, insertItem('x')),
    ]);
    // On PostgreSQL the two race; whichever order, exactly one row 'x' is left.
    expect(results.filter((r) => r === 'ok:x')).toHaveLength(1);
    expect(await itemIds(store)).toEqual(['x']);
  });

  it('resolves a caller only when its writes are visible to another connection', async () => {
    const store = engine.store();
    const other = await engine.openStore();
    const seen: boolean[] = [];
    await Promise.all(['a', 'b', 'c'].map((id) => withWriteTransaction(store, insertItem(id)).then(async () => {
      seen.push((await other.db.selectFrom('items').select('id').where('id', '=', id).execute()).length === 1);
    })));
    expect(seen).toEqual([true, true, true]);
  });

  it('refuses a query through a transaction after its function has returned', async () => {
    const store = engine.store();
    let kept: WriteTransaction | undefined;
    await withWriteTransaction(store, async (trx) => {
      kept = trx;
    });
    await expect(kept!.selectFrom('items').select('id').execute()).rejects.toThrow();
    expect(await itemIds(store)).toEqual([]);
  });

  if (engine.kind === 'sqlite') {
    it('commits callers that are ready at the same time in one transaction', async () => {
      const store = engine.store();
      const before = writeTransactionStats(store);
      const ids = Array.from({ length: 20 }, (_, i) => `i${String(i).padStart(2, '0')}`);
      expect(await Promise.all(ids.map((id) => withWriteTransaction(store, insertItem(id))))).toEqual(ids);
      const after = writeTransactionStats(store);
      expect(after.calls - before.calls).toBe(20);
      expect(after.transactions - before.transactions).toBe(1);
      expect(await itemIds(store)).toEqual(ids);
    });

    it(`takes at most ${MAX_JOBS_PER_BATCH} callers into one transaction`, async () => {
      const store = engine.store();
      const before = writeTransactionStats(store).transactions;
      const n = 2 * MAX_JOBS_PER_BATCH + 10;
      await Promise.all(Array.from({ length: n }, (_, i) => withWriteTransaction(store, insertItem(`i${i}`))));
      expect(writeTransactionStats(store).transactions - before).toBe(3);
      expect(await itemIds(store)).toHaveLength(n);
    });

    it('gives callers that wait for each other a transaction each', async () => {
      const store = engine.store();
      const before = writeTransactionStats(store).transactions;
      for (const id of ['a', 'b', 'c']) await withWriteTransaction(store, insertItem(id));
      expect(writeTransactionStats(store).transactions - before).toBe(3);
    });

    it('runs the callers of one transaction in the order they called, one after another', async () => {
      const store = engine.store();
      const events: string[] = [];
      await Promise.all(['a', 'b', 'c'].map((name) => withWriteTransaction(store, async (trx) => {
        events.push(`${name}:begin`);
        await insertItem(name)(trx);
        events.push(`${name}:end`);
      })));
      expect(events).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end', 'c:begin', 'c:end']);
    });

    it('settles no caller before the COMMIT of its transaction', async () => {
      const store = engine.store();
      const other = rawConnection(engine, { readonly: true });
      try {
        const committed = (id: string): boolean =>
          other.prepare('select count(*) as n from items where id = ?').pluck().get(id) === 1;
        let aSettled = false;
        let duringB: { aSettled: boolean; aCommitted: boolean } | undefined;
        let atSettle: boolean | undefined;
        const a = withWriteTransaction(store, insertItem('a')).then(() => {
          aSettled = true;
          // Synchronously on resolution: the COMMIT has happened by now.
          atSettle = committed('a');
        });
        const b = withWriteTransaction(store, async (trx) => {
          await insertItem('b')(trx);
          duringB = { aSettled, aCommitted: committed('a') };
        });
        await Promise.all([a, b]);
        expect(duringB).toEqual({ aSettled: false, aCommitted: false });
        expect(atSettle).toBe(true);
      } finally {
        other.close();
      }
    });

    it('rejects every caller of a transaction whose COMMIT fails, and keeps nothing of it', async () => {
      const store = engine.store();
      const own = new Error('d failed by itself');
      const results = await outcomes([
        withWriteTransaction(store, insertItem('a')),
        withWriteTransaction(store, async (trx) => {
          // A dangling parent passes the insert and fails the COMMIT (deferred foreign key).
          await sql`pragma defer_foreign_keys = on`.execute(trx);
          await trx.insertInto('plant_nodes').values({
            id: 'n1', kind: 'site', code: 'x', name: 'X', parent_id: 'missing', path: '/x/', created_at: '2025-01-01T00:00:00.000Z',
          }).execute();
          return 'b';
        }),
        withWriteTransaction(store, insertItem('c')),
        withWriteTransaction(store, async () => {
          throw own;
        }),
      ]);
      const fk = 'error:FOREIGN KEY constraint failed';
      expect(results).toEqual([fk, fk, fk, 'error:d failed by itself']);
      expect(await itemIds(store)).toEqual([]);
      expect(await store.db.selectFrom('plant_nodes').select('id').execute()).toEqual([]);
      // The connection is usable again, and defer_foreign_keys ended with that transaction.
      await withWriteTransaction(store, insertItem('e'));
      expect(await itemIds(store)).toEqual(['e']);
    });

    it('rejects a lone caller whose COMMIT fails', async () => {
      const store = engine.store();
      await expect(withWriteTransaction(store, async (trx) => {
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await trx.insertInto('plant_nodes').values({
          id: 'n1', kind: 'site', code: 'x', name: 'X', parent_id: 'missing', path: '/x/', created_at: '2025-01-01T00:00:00.000Z',
        }).execute();
      })).rejects.toThrow(/FOREIGN KEY/);
      expect(await store.db.selectFrom('plant_nodes').select('id').execute()).toEqual([]);
    });

    it('rejects every caller of a transaction that cannot BEGIN', async () => {
      const store = engine.store();
      await sql`pragma busy_timeout = 50`.execute(store.db);
      const other = rawConnection(engine, { timeout: 0 });
      try {
        other.exec('begin immediate');
        const results = await outcomes(['a', 'b', 'c'].map((id) => withWriteTransaction(store, insertItem(id))));
        expect(results).toEqual(Array(3).fill('error:database is locked'));
        other.exec('rollback');
      } finally {
        other.close();
        await sql`pragma busy_timeout = 5000`.execute(store.db);
      }
      await withWriteTransaction(store, insertItem('d'));
      expect(await itemIds(store)).toEqual(['d']);
    });

    it('rejects every caller of a transaction whose savepoint statement fails', async () => {
      const store = engine.store();
      const results = await outcomes([
        withWriteTransaction(store, insertItem('a')),
        // A caller that ends the shared transaction itself: its RELEASE fails.
        withWriteTransaction(store, async (trx) => {
          await sql`rollback`.execute(trx);
          return 'b';
        }),
        withWriteTransaction(store, insertItem('c')),
      ]);
      expect(results).toEqual(Array(3).fill('error:no such savepoint: forgeline_job'));
      expect(await itemIds(store)).toEqual([]);
      await withWriteTransaction(store, insertItem('d'));
      expect(await itemIds(store)).toEqual(['d']);
    });

    it('tells the batch-mates of a call that lost the shared transaction why their writes are gone', async () => {
      const store = engine.store();
      const results = await outcomes([
        withWriteTransaction(store, insertItem('a')),
        // As SQLITE_FULL or SQLITE_IOERR would: the transaction ends under the failing call.
        withWriteTransaction(store, async (trx) => {
          await sql`rollback`.execute(trx);
          throw new Error('disk full');
        }),
        withWriteTransaction(store, insertItem('c')),
      ]);
      const lost = 'error:the shared write transaction was lost with a failed call in it (disk full)';
      expect(results).toEqual([lost, 'error:disk full', lost]);
      expect(await itemIds(store)).toEqual([]);
    });

    it('refuses a query through a batch-mate\'s transaction after that one has returned', async () => {
      const store = engine.store();
      let kept: WriteTransaction | undefined;
      const results = await outcomes([
        withWriteTransaction(store, async (trx) => {
          kept = trx;
          await insertItem('a')(trx);
          return 'a';
        }),
        withWriteTransaction(store, async (trx) => {
          await expect(insertItem('stray')(kept!)).rejects.toThrow(/already returned/);
          return insertItem('b')(trx);
        }),
      ]);
      expect(results).toEqual(['ok:a', 'ok:b']);
      expect(await itemIds(store)).toEqual(['a', 'b']);
    });

    it('commits the writes already asked for before the store closes', async () => {
      const store = await engine.openStore();
      const pending = withWriteTransaction(store, insertItem('a'));
      await store.close();
      await pending;
      expect(await itemIds(engine.store())).toEqual(['a']);
    });
  }
});
