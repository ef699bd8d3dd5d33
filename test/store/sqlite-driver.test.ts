import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';

const item = (id: string) => ({ id, code: id, revision: 'A', description: 'test item', unit: 'pcs', created_at: '2025-01-01T00:00:00.000Z' });

describeEachEngine('the store\'s driver', (engine) => {
  it('supports Kysely\'s savepoints, whatever their name', async () => {
    const { db } = engine.store();
    const trx = await db.startTransaction().execute();
    await trx.insertInto('items').values(item('kept')).execute();
    const inner = await trx.savepoint('a "quoted" name').execute();
    await inner.insertInto('items').values(item('undone')).execute();
    const back = await inner.rollbackToSavepoint('a "quoted" name').execute();
    await back.releaseSavepoint('a "quoted" name').execute();
    await trx.commit().execute();
    expect(await db.selectFrom('items').select('id').execute()).toEqual([{ id: 'kept' }]);
  });

  if (engine.kind === 'sqlite') {
    it('leaves a read-only transaction deferred, so it does not take the write lock', async () => {
      const options = engine.options();
      if (options.kind !== 'sqlite') throw new Error('unreachable');
      const other = new BetterSqlite3(options.file, { timeout: 0 });
      try {
        await engine.store().db.transaction().setAccessMode('read only').execute(async (trx) => {
          await trx.selectFrom('items').select('id').execute();
          other.exec('begin immediate');
          other.exec('rollback');
        });
      } finally {
        other.close();
      }
    });

    it('reports the error that ended a transaction, not a failed ROLLBACK after it', async () => {
      const { db } = engine.store();
      await expect(db.transaction().execute(async (trx) => {
        await sql`rollback`.execute(trx);
        throw new Error('the real cause');
      })).rejects.toThrow('the real cause');
      await db.insertInto('items').values(item('after')).execute();
      expect(await db.selectFrom('items').select('id').execute()).toEqual([{ id: 'after' }]);
    });
  }
});
