/**
 * Kysely's SQLite dialect with the changes that make writes safe when more
 * than one process (the server and a CLI command), or more than one Store
 * of a process, opens the same file, and cheap when they are many.
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler,
} from 'kysely';
import { StoreSqliteDriver } from './sqlite-driver.js';

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
 * transactional migrations, reused prepared statements, and (given
 * `fileKey`, the file's absolute path) one queue with every other Store of
 * this process on the same file.
 */
export class StoreSqliteDialect implements Dialect {
  readonly #db: BetterSqlite3.Database;
  readonly #fileKey: string | undefined;

  constructor(db: BetterSqlite3.Database, fileKey?: string) {
    this.#db = db;
    this.#fileKey = fileKey;
  }

  createDriver(): Driver {
    return new StoreSqliteDriver(this.#db, this.#fileKey);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
