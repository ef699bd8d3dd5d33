import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Migrator, sql, type Migration } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { storeMigrations, withWriteTransaction } from '../../src/store/index.js';
import { CachingSqliteConnection } from '../../src/store/sqlite-database-connection.js';
import { StatementCache } from '../../src/store/statement-cache.js';
import { describeEachEngine } from '../support/engines.js';

const item = (id: string) => ({ id, code: id, revision: 'A', description: 'test item', unit: 'pcs', created_at: '2025-01-01T00:00:00.000Z' });

describe('StatementCache', () => {
  const db = new BetterSqlite3(':memory:');
  afterEach(() => vi.restoreAllMocks());

  it('prepares a statement once and hands the same one out again', () => {
    const cache = new StatementCache(db);
    const first = cache.get('select 1');
    expect(cache.get('select 1')).toBe(first);
    expect(cache.prepared).toBe(1);
  });

  it('evicts the least recently used statement beyond its capacity', () => {
    const cache = new StatementCache(db, 2);
    const one = cache.get('select 1');
    cache.get('select 2');
    cache.get('select 1');
    cache.get('select 3');
    expect(cache.size).toBe(2);
    expect(cache.get('select 1')).toBe(one);
    expect(cache.prepared).toBe(3);
    cache.get('select 2');
    expect(cache.prepared).toBe(4);
  });

  it('does not keep a statement that fails to prepare', () => {
    const cache = new StatementCache(db);
    expect(() => cache.get('select * from nowhere')).toThrow(/no such table/);
    expect(cache.size).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new StatementCache(db, 0)).toThrow(RangeError);
  });
});

describe('CachingSqliteConnection', () => {
  const db = new BetterSqlite3(':memory:');
  db.exec('create table t (id integer primary key, name text)');
  const connection = new CachingSqliteConnection(db);

  it('answers rows for a statement that returns data, and counts for one that does not, as Kysely does', async () => {
    expect(await connection.executeQuery(CompiledQuery.raw('insert into t (name) values (?)', ['a'])))
      .toEqual({ rows: [], numAffectedRows: 1n, insertId: 1n });
    expect(await connection.executeQuery(CompiledQuery.raw('insert into t (name) values (?) returning id', ['b'])))
      .toEqual({ rows: [{ id: 2 }] });
    expect(await connection.executeQuery(CompiledQuery.raw('select name from t order by id')))
      .toEqual({ rows: [{ name: 'a' }, { name: 'b' }] });
    expect(connection.statements.size).toBe(3);
  });

  it('refuses to stream anything but a select query, clearly', async () => {
    const stream = connection.streamQuery(CompiledQuery.raw('select name from t'));
    await expect(stream.next()).rejects.toThrow('the SQLite store streams select queries only');
  });
});

describeEachEngine('cached statements', (engine) => {
  afterEach(() => vi.restoreAllMocks());

  if (engine.kind === 'sqlite') it('prepares each query shape once however often it runs', async () => {
    const { db } = engine.store();
    const prepare = vi.spyOn(BetterSqlite3.prototype, 'prepare');
    for (let i = 0; i < 10; i += 1) {
      await withWriteTransaction(engine.store(), async (trx) => {
        await trx.insertInto('items').values(item(`i${i}`)).execute();
      });
      await db.selectFrom('items').select('id').where('id', '=', `i${i}`).execute();
    }
    // Each text at most once (begin and commit were prepared by the migrations already).
    const texts = prepare.mock.calls.map(([text]) => text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts).toEqual(expect.arrayContaining([expect.stringMatching(/^insert into "items"/), expect.stringMatching(/^select "id" from "items"/)]));
    expect(texts.length).toBeLessThanOrEqual(4);
    expect(await db.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()).toEqual({ n: 10 });
  });

  if (engine.kind === 'sqlite') it('streams a select, each row once', async () => {
    const { db } = engine.store();
    await db.insertInto('items').values([item('a'), item('b'), item('c')]).execute();
    const seen: string[] = [];
    for await (const row of db.selectFrom('items').select('id').orderBy('id').stream()) seen.push(row.id);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('keeps queries working after a migration changes their table', async () => {
    const store = engine.store();
    const { db } = store;
    const select = () => db.selectFrom('items').selectAll().orderBy('id').execute();
    const insert = (id: string) => db.insertInto('items').values(item(id)).execute();
    await insert('a');
    expect(await select()).toEqual([item('a')]);

    const addNote: Migration = {
      async up(m) {
        await m.schema.alterTable('items').addColumn('note', 'text', (c) => c.notNull().defaultTo('-')).execute();
        await m.schema.createIndex('items_note_index').on('items').column('note').execute();
      },
    };
    const options = engine.options();
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve({ ...storeMigrations(store.kind), '9999_test_note': addNote }) },
      ...(options.kind === 'postgres' ? { migrationTableSchema: options.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();

    // The same SQL texts, prepared before the ALTER: SQLite re-prepares them.
    await insert('b');
    expect(await select()).toEqual([{ ...item('a'), note: '-' }, { ...item('b'), note: '-' }]);
  });

  if (engine.kind === 'sqlite') it('keeps cached statements working after another connection drops and recreates their table', async () => {
    const { db } = engine.store();
    const query = () => sql<Record<string, unknown>>`select * from scratch`.execute(db).then((r) => r.rows);
    await sql`create table scratch (a text, b text)`.execute(db);
    await sql`insert into scratch values ('1', '2')`.execute(db);
    expect(await query()).toEqual([{ a: '1', b: '2' }]);

    const options = engine.options();
    if (options.kind !== 'sqlite') throw new Error('unreachable');
    const other = new BetterSqlite3(options.file);
    try {
      other.exec(`drop table scratch; create table scratch (c text, b text, a text); insert into scratch values ('3', '2', '1')`);
    } finally {
      other.close();
    }
    expect(await query()).toEqual([{ c: '3', b: '2', a: '1' }]);
  });

  it('reports a query whose table is gone, and works again once it is back', async () => {
    const { db } = engine.store();
    const query = () => sql`select a from scratch`.execute(db).then((r) => r.rows);
    await sql`create table scratch (a text)`.execute(db);
    expect(await query()).toEqual([]);
    await sql`drop table scratch`.execute(db);
    await expect(query()).rejects.toThrow(/no such table|does not exist/);
    await sql`create table scratch (a text)`.execute(db);
    await sql`insert into scratch values ('x')`.execute(db);
    expect(await query()).toEqual([{ a: 'x' }]);
  });
});
