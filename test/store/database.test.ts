import { stat } from 'node:fs/promises';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isUniqueViolation, openDatabase, StoreOpenError } from '../../src/store/index.js';
import { describeEachEngine } from '../support/engines.js';

const at = '2025-01-01T00:00:00.000Z';

describeEachEngine('openDatabase', (engine) => {
  if (engine.kind === 'sqlite') {
    it('opens SQLite in WAL mode, foreign keys on, a busy timeout, and the sync at commit its own (NORMAL, then fdatasync)', async () => {
      const db = engine.store().db;
      const pragma = async (name: string): Promise<unknown> =>
        Object.values((await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(db)).rows[0] ?? {})[0];
      expect(await pragma('journal_mode')).toBe('wal');
      // NORMAL: the connection forces the log to disk after each commit itself (sqlite-durability.test.ts).
      expect(await pragma('synchronous')).toBe(1);
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
    });

    it('creates the database file readable by its owner only', async () => {
      const options = engine.options();
      if (options.kind !== 'sqlite') throw new Error('unreachable');
      expect((await stat(options.file)).mode & 0o777).toBe(0o600);
    });
  }

  if (engine.kind === 'postgres') {
    it('keeps its tables in its own schema', async () => {
      const options = engine.options();
      if (options.kind !== 'postgres') throw new Error('unreachable');
      const { rows } = await sql<{ table_schema: string }>`
        select distinct table_schema from information_schema.tables where table_name = 'audit_entries'
          and table_schema = current_schema()`.execute(engine.store().db);
      expect(rows).toEqual([{ table_schema: options.schema }]);
    });
  }

  it('returns bigint counts and indices as JS numbers', async () => {
    const db = engine.store().db;
    const { rows } = await sql<{ n: unknown; big: unknown }>`select count(*) as n, cast(9007199254740991 as bigint) as big from audit_entries`.execute(db);
    expect(rows[0]).toEqual({ n: 0, big: Number.MAX_SAFE_INTEGER });
  });

  it('reports a duplicate key as a unique violation and nothing else as one', async () => {
    const db = engine.store().db;
    const item = { id: 'i1', code: 'BRKT', revision: 'A', description: 'Bracket', unit: 'pcs', created_at: at };
    await db.insertInto('items').values(item).execute();
    const duplicateId = await db.insertInto('items').values({ ...item, code: 'OTHER' }).execute().catch((e: unknown) => e);
    const duplicateCode = await db.insertInto('items').values({ ...item, id: 'i2' }).execute().catch((e: unknown) => e);
    const notNull = await db.insertInto('items').values({ ...item, id: 'i3', unit: null as unknown as string }).execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(duplicateId)).toBe(true);
    expect(isUniqueViolation(duplicateCode)).toBe(true);
    expect(notNull).toBeInstanceOf(Error);
    expect(isUniqueViolation(notNull)).toBe(false);
  });

  it('closes idempotently', async () => {
    const store = await engine.openStore();
    await Promise.all([store.close(), store.close()]);
    await store.close();
  });
});

describe('openDatabase errors', () => {
  it('names an unreachable PostgreSQL server without leaking its password', async () => {
    const error = await openDatabase({ kind: 'postgres', url: 'postgres://forge:s3cret@127.0.0.1:1/test' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toMatch(/^cannot open PostgreSQL database postgres:\/\/forge:\*\*\*@127\.0\.0\.1:1\/test: /);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    const error = await openDatabase({ kind: 'postgres', url: 'postgres://127.0.0.1:1/test', schema: 'x; drop table y' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toMatch(/invalid PostgreSQL schema name/);
  });

  it('names a SQLite file that cannot be created', async () => {
    const error = await openDatabase({ kind: 'sqlite', file: '/nonexistent-dir/forgeline.db' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toMatch(/^cannot open SQLite database \/nonexistent-dir\/forgeline\.db: /);
  });
});
