/** The Kysely driver of the SQLite store: one better-sqlite3 handle, handed out to one user at a time. */
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery, createQueryId, sql,
  type DatabaseConnection, type Driver, type QueryCompiler, type TransactionSettings,
} from 'kysely';
import { lockFile } from './file-lock.js';
import { startSqliteCheckpointer, type CheckpointStats, type SqliteCheckpointer } from './sqlite-checkpointer.js';
import { CachingSqliteConnection } from './sqlite-database-connection.js';

let memoryDatabases = 0;

/** Commits a Store makes before its file gets a checkpoint worker: a short-lived Store (a CLI command, a test) never needs one. */
export const CHECKPOINT_WORKER_AFTER_COMMITS = 100;

/** The running checkpoint worker of each file (by real path): one per file, however many Stores of this process open it. */
const checkpointers = new Map<string, SqliteCheckpointer>();

/** What the checkpoint worker of the file at real path `fileKey` has done, or undefined when none runs. */
export function sqliteCheckpointStats(fileKey: string): CheckpointStats | undefined {
  return checkpointers.get(fileKey)?.stats();
}

type SavepointCommand = 'savepoint' | 'rollback to' | 'release';

/** Runs `command name` with the name quoted as an identifier by the dialect's compiler. */
async function savepointCommand(
  connection: DatabaseConnection, command: SavepointCommand, name: string, compileQuery: QueryCompiler['compileQuery'],
): Promise<void> {
  const node = sql`${sql.raw(command)} ${sql.id(name)}`.toOperationNode();
  await connection.executeQuery(compileQuery(node, createQueryId()));
}

/**
 * Kysely's SqliteDriver with five changes. Transactions start with BEGIN
 * IMMEDIATE: a deferred transaction that reads and then writes can fail with
 * SQLITE_BUSY at the upgrade without the busy handler ever being called
 * (https://sqlite.org/lang_transaction.html); taking the lock at BEGIN makes
 * busy_timeout apply instead (a `read only` transaction stays deferred).
 * The connection is handed out under the file's in-process lock
 * (`file-lock.ts`), which is also what keeps it to one user at a time. And
 * the connection reuses prepared statements ({@link CachingSqliteConnection}),
 * and forces the log to disk after each commit itself, off the JavaScript
 * thread (synchronous=NORMAL, then fdatasync on the libuv pool). And, once a Store has committed {@link CHECKPOINT_WORKER_AFTER_COMMITS}
 * times, its file's log is checkpointed by a worker thread
 * (`sqlite-checkpointer.ts`), not inside the COMMITs of this one.
 */
export class StoreSqliteDriver implements Driver {
  readonly #connection: CachingSqliteConnection;
  readonly #db: BetterSqlite3.Database;
  readonly #lockKey: string;
  readonly #fileKey: string | undefined;
  #unlock: (() => void) | undefined;
  #commits = 0;
  // The checkpoint worker this driver started (and stops when it is destroyed).
  #checkpointer: SqliteCheckpointer | undefined;

  /** `fileKey`: the file's real path, shared by every Store of the process on that file; none for `:memory:`. */
  constructor(db: BetterSqlite3.Database, fileKey: string | undefined) {
    this.#db = db;
    this.#fileKey = fileKey;
    // The connection forces the log to disk after each commit, off this thread (see CachingSqliteConnection).
    if (fileKey !== undefined) db.pragma('synchronous = NORMAL');
    this.#connection = new CachingSqliteConnection(db, undefined, fileKey === undefined ? undefined : `${fileKey}-wal`);
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
    this.#commits += 1;
    if (this.#commits === CHECKPOINT_WORKER_AFTER_COMMITS && this.#fileKey !== undefined && !checkpointers.has(this.#fileKey)) {
      this.#checkpointer = startSqliteCheckpointer(this.#fileKey);
      checkpointers.set(this.#fileKey, this.#checkpointer);
    }
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
    // The worker's connection first: the store's, then the last, checkpoints the log and removes it.
    if (this.#checkpointer !== undefined && this.#fileKey !== undefined) {
      checkpointers.delete(this.#fileKey);
      await this.#checkpointer.stop();
    }
    await this.#connection.close();
    this.#db.close();
  }
}
