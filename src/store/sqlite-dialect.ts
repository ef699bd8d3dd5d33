/**
 * Kysely's SQLite dialect with the changes that make writes safe when more
 * than one process (the server and a CLI command), or more than one Store
 * of a process, opens the same file.
 */
import {
  CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver,
  type DatabaseConnection, type Driver, type DialectAdapter, type SqliteDialectConfig, type TransactionSettings,
} from 'kysely';
import { lockFile } from './file-lock.js';

/**
 * Starts transactions with BEGIN IMMEDIATE, taking the write lock up front.
 * A deferred transaction that reads and then writes can fail with
 * SQLITE_BUSY at the upgrade without the busy handler ever being called
 * (https://sqlite.org/lang_transaction.html); taking the lock at BEGIN makes
 * busy_timeout apply instead. A transaction marked `read only` stays deferred.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #fileKey: string | undefined;
  #unlockFile: (() => void) | undefined;

  constructor(config: SqliteDialectConfig, fileKey: string | undefined) {
    super(config);
    this.#fileKey = fileKey;
  }

  // Kysely hands out the one connection to one user at a time (transaction
  // or statement); take the file's in-process lock for that same span.
  override async acquireConnection(): Promise<DatabaseConnection> {
    const unlock = this.#fileKey === undefined ? undefined : await lockFile(this.#fileKey);
    const connection = await super.acquireConnection();
    this.#unlockFile = unlock;
    return connection;
  }

  override async releaseConnection(): Promise<void> {
    const unlock = this.#unlockFile;
    this.#unlockFile = undefined;
    await super.releaseConnection();
    unlock?.();
  }

  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    const mode = settings?.accessMode === 'read only' ? 'deferred' : 'immediate';
    await connection.executeQuery(CompiledQuery.raw(`begin ${mode}`));
  }
}

/**
 * SQLite does roll back DDL, so let the Migrator wrap each migration and its
 * bookkeeping row in one (immediate) transaction, as it does on PostgreSQL.
 * That transaction is also the migration lock between processes.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * The SQLite dialect the store uses: immediate write transactions,
 * transactional migrations, and (given `fileKey`, the file's absolute path)
 * one queue with every other Store of this process on the same file.
 */
export class StoreSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #fileKey: string | undefined;

  constructor(config: SqliteDialectConfig, fileKey?: string) {
    super(config);
    this.#config = config;
    this.#fileKey = fileKey;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#fileKey);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
