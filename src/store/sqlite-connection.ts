/** Opening the embedded SQLite database file with the settings Forgeline relies on. */
import { closeSync, openSync, realpathSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { StoreSqliteDialect } from './sqlite-dialect.js';

const IN_MEMORY = ':memory:';

/**
 * Creates the file with mode 0600 if it does not exist yet: it will hold
 * password hashes and the audit log. SQLite gives its -wal and -shm files the
 * same mode as the database. An existing file keeps its mode.
 */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Opens `file` (or `:memory:`) with better-sqlite3 and applies the pragmas:
 * WAL so readers never block the writer, synchronous=FULL so a commit
 * survives power loss (invariant 8; the store's driver then trades it for
 * NORMAL and an fdatasync of its own off the JavaScript thread, see
 * `sqlite-database-connection.ts`), foreign keys on, and a 5 s busy
 * timeout for another process's write lock (Stores of one process queue in
 * `file-lock.ts` instead, because that wait blocks the event loop).
 */
export function openSqliteFile(file: string): BetterSqlite3.Database {
  if (file !== IN_MEMORY) createPrivateFile(file);
  const sqlite = new BetterSqlite3(file);
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    sqlite.pragma('busy_timeout = 5000');
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && file !== IN_MEMORY) throw new Error(`journal_mode is ${String(mode)}, expected wal`);
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** A Kysely instance over an opened SQLite handle (see {@link openSqliteFile}). */
export function sqliteKysely(sqlite: BetterSqlite3.Database): Kysely<Database> {
  // The real path, so every spelling of one file shares one queue.
  const fileKey = sqlite.memory ? undefined : realpathSync(sqlite.name);
  return new Kysely<Database>({ dialect: new StoreSqliteDialect(sqlite, fileKey) });
}
