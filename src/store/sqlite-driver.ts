/** The Kysely driver of the SQLite store: one better-sqlite3 handle, handed out to one user at a time. */
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery, createQueryId, sql,
  type DatabaseConnection, type Driver, type QueryCompiler, type TransactionSettings,
} from 'kysely';
import { lockFile } from './file-lock.js';
import { CachingSqliteConnection } from './sqlite-database-connection.js';

let memoryDatabases = 0;

type SavepointCommand = 'savepoint' | 'rollback to' | 'release';

/** Runs `command name` with the name quoted as an identifier by the dialect's compiler. */
async function savepointCommand(
  connection: DatabaseConnection, command: SavepointCommand, name: string, compileQuery: QueryCompiler['compileQuery'],
): Promise<void> {
  const node = sql`${sql.raw(command)} ${sql.id(name)}`.toOperationNode();
  await connection.executeQuery(compileQuery(node, createQueryId()));
}

/**
 * Kysely's SqliteDriver with three changes. Transactions start with BEGIN
 * IMMEDIATE: a deferred transaction that reads and then writes can fail with
 * SQLITE_BUSY at the upgrade without the busy handler ever being called
 * (https://sqlite.org/lang_transaction.html); taking the lock at BEGIN makes
 * busy_timeout apply instead (a `read only` transaction stays deferred).
 * The connection is handed out under the file's in-process lock
 * (`file-lock.ts`), which is also what keeps it to one user at a time. And
 * the connection reuses prepared statements ({@link CachingSqliteConnection}).
 */
export class StoreSqliteDriver implements Driver {
  readonly #connection: CachingSqliteConnection;
  readonly #db: BetterSqlite3.Database;
  readonly #lockKey: string;
  #unlock: (() => void) | undefined;

  /** `fileKey`: the file's real path, shared by every Store of the process on that file; none for `:memory:`. */
  constructor(db: BetterSqlite3.Database, fileKey: string | undefined) {
    this.#db = db;
    this.#connection = new CachingSqliteConnection(db);
    // An in-memory database is private to its handle: a queue of its own
    // (NUL cannot occur in a path, so no file shares it).
    this.#lockKey = fileKey ?? `\0memory:${++memoryDatabases}`;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#unlock = await lockFile(this.#lockKey);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const mode = settings.accessMode === 'read only' ? 'deferred' : 'immediate';
    await connection.executeQuery(CompiledQuery.raw(`begin ${mode}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // Some errors (SQLITE_FULL, SQLITE_IOERR, a failed COMMIT of some kinds)
    // end the transaction themselves (https://sqlite.org/lang_transaction.html,
    // "Response To Errors Within A Transaction"); a ROLLBACK then would fail
    // and replace the error that matters with "no transaction is active".
    if (this.#db.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await savepointCommand(connection, 'savepoint', name, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await savepointCommand(connection, 'rollback to', name, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await savepointCommand(connection, 'release', name, compileQuery);
  }

  async releaseConnection(): Promise<void> {
    const unlock = this.#unlock;
    this.#unlock = undefined;
    unlock?.();
  }

  async destroy(): Promise<void> {
    this.#db.close();
  }
}
