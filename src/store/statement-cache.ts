/** A bounded cache of prepared SQLite statements, least recently used out first. */
import type BetterSqlite3 from 'better-sqlite3';

/** How many statements one database handle keeps prepared unless told otherwise. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 500;

/**
 * Prepared statements of one better-sqlite3 handle, keyed by their SQL text.
 * Kysely compiles a query to the same text every time (values are
 * parameters), so the few dozen shapes the services use are prepared once.
 * A cached statement stays valid across schema changes: SQLite re-prepares
 * it on SQLITE_SCHEMA by itself (sqlite3_prepare_v3, https://sqlite.org/c3ref/prepare.html).
 */
export class StatementCache {
  readonly #db: BetterSqlite3.Database;
  readonly #capacity: number;
  // A Map iterates in insertion order: re-inserting on a hit keeps the
  // least recently used statement first, where eviction takes it.
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  #prepared = 0;

  constructor(db: BetterSqlite3.Database, capacity = DEFAULT_STATEMENT_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`statement cache capacity must be a positive integer, got ${capacity}`);
    this.#db = db;
    this.#capacity = capacity;
  }

  /** The statement for `sql`, prepared now only if it is not cached. */
  get(sql: string): BetterSqlite3.Statement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    // A statement that fails to prepare (syntax, unknown table) is not cached.
    const statement = this.#db.prepare(sql);
    this.#prepared += 1;
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#capacity) {
      const oldest = this.#statements.keys().next();
      if (oldest.done !== true) this.#statements.delete(oldest.value);
    }
    return statement;
  }

  /** Statements held now. */
  get size(): number {
    return this.#statements.size;
  }

  /** Statements prepared since the cache was made (misses); for tests and diagnostics. */
  get prepared(): number {
    return this.#prepared;
  }

  /** Forgets every statement (they are finalized when collected or when the handle closes). */
  clear(): void {
    this.#statements.clear();
  }
}
