import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { CachingSqliteConnection } from '../../src/store/sqlite-database-connection.js';

const folders: string[] = [];
const handles: BetterSqlite3.Database[] = [];
afterEach(() => {
  for (const handle of handles.splice(0)) handle.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function walFileDatabase(): { db: BetterSqlite3.Database; file: string } {
  const folder = mkdtempSync(join(tmpdir(), 'forgeline-durability-'));
  folders.push(folder);
  const file = join(folder, 'test.db');
  const db = new BetterSqlite3(file);
  handles.push(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (x text)');
  return { db, file };
}

const run = (connection: CachingSqliteConnection, text: string) => connection.executeQuery(CompiledQuery.raw(text));

it('forces the log to disk after a commit, and not before: a log it cannot reach fails the commit, not the statements inside', async () => {
  const { db, file } = walFileDatabase();
  const connection = new CachingSqliteConnection(db, undefined, join(file, 'not-a-log'));
  await run(connection, 'begin immediate');
  await run(connection, "insert into t values ('inside')");
  await run(connection, 'select count(*) from t');
  await expect(run(connection, 'commit')).rejects.toThrow(/could not be forced to disk .*restart the server/);
  // Fail-stop: the commit may not survive a power cut, so nothing else runs on this connection.
  await expect(run(connection, 'select count(*) from t')).rejects.toThrow(/could not be forced to disk/);
  await connection.close();
});

it('forces the log after a write outside a transaction, and never after a read or a ROLLBACK', async () => {
  const { db, file } = walFileDatabase();
  const reads = new CachingSqliteConnection(db, undefined, join(file, 'not-a-log'));
  await expect(run(reads, 'select count(*) as n from t')).resolves.toEqual({ rows: [{ n: 0 }] });
  await run(reads, 'begin immediate');
  await run(reads, "insert into t values ('undone')");
  await run(reads, 'rollback');
  await expect(run(reads, "insert into t values ('alone')")).rejects.toThrow(/could not be forced to disk/);
  await reads.close();
  // With its real log, the same write commits and answers.
  const connection = new CachingSqliteConnection(db, undefined, `${file}-wal`);
  await run(connection, "insert into t values ('kept')");
  await expect(run(connection, 'select x from t order by x')).resolves.toEqual({ rows: [{ x: 'alone' }, { x: 'kept' }] });
  await connection.close();
});
