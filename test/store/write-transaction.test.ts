import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { withWriteTransaction } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';

const item = (id: string) => ({ id, code: id, revision: 'A', description: 'test item', unit: 'pcs', created_at: '2025-01-01T00:00:00.000Z' });

describeEachEngine('withWriteTransaction', (engine) => {
  it('commits what fn wrote and returns its result', async () => {
    const store = engine.store();
    const result = await withWriteTransaction(store, async (trx) => {
      await trx.insertInto('items').values(item('i1')).execute();
      return 'done';
    });
    expect(result).toBe('done');
    expect(await store.db.selectFrom('items').select('id').execute()).toEqual([{ id: 'i1' }]);
  });

  it('rolls back everything when fn throws', async () => {
    const store = engine.store();
    await expect(withWriteTransaction(store, async (trx) => {
      await trx.insertInto('items').values(item('i1')).execute();
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await store.db.selectFrom('items').select('id').execute()).toEqual([]);
  });

  if (engine.kind === 'sqlite') {
    it('runs concurrent callers one after another, never interleaved', async () => {
      const store = engine.store();
      const events: string[] = [];
      await Promise.all(['a', 'b', 'c'].map((name) => withWriteTransaction(store, async (trx) => {
        events.push(`${name}:begin`);
        await trx.insertInto('items').values(item(name)).execute();
        await sleep(5);
        events.push(`${name}:end`);
      })));
      for (let i = 0; i < events.length; i += 2) {
        expect(events[i]?.replace(':begin', '')).toBe(events[i + 1]?.replace(':end', ''));
      }
    });

    it('takes the write lock at BEGIN (immediate), before the first write', async () => {
      const options = engine.options();
      if (options.kind !== 'sqlite') throw new Error('unreachable');
      const other = new BetterSqlite3(options.file, { timeout: 0 });
      try {
        await withWriteTransaction(engine.store(), async (trx) => {
          await trx.selectFrom('items').select('id').execute();
          expect(() => other.exec('begin immediate')).toThrow(/locked|busy/i);
        });
        other.exec('begin immediate');
        other.exec('rollback');
      } finally {
        other.close();
      }
    });

    it('serialises writers across stores of one process on one file', async () => {
      const first = engine.store();
      const second = await engine.openStore();
      const events: string[] = [];
      await Promise.all([first, second, first, second].map((store, i) => withWriteTransaction(store, async (trx) => {
        events.push(`${i}:begin`);
        await trx.insertInto('items').values(item(`i${i}`)).execute();
        await sleep(5);
        events.push(`${i}:end`);
      })));
      for (let i = 0; i < events.length; i += 2) {
        expect(events[i]?.replace(':begin', '')).toBe(events[i + 1]?.replace(':end', ''));
      }
      expect(await second.db.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()).toEqual({ n: 4 });
    });
  }

  if (engine.kind === 'postgres') {
    it('runs at READ COMMITTED so statements after the audit lock see earlier commits', async () => {
      const level = await withWriteTransaction(engine.store(), async (trx) =>
        (await sql<{ transaction_isolation: string }>`show transaction_isolation`.execute(trx)).rows[0]?.transaction_isolation);
      expect(level).toBe('read committed');
    });
  }
});
