/** Kysely's connection to a better-sqlite3 handle, with prepared statements reused. */
import type BetterSqlite3 from 'better-sqlite3';
import { SelectQueryNode, type CompiledQuery, type DatabaseConnection, type QueryResult } from 'kysely';
import { StatementCache } from './statement-cache.js';

/**
 * What Kysely's own SqliteConnection does, except that `executeQuery` takes
 * its statement from a {@link StatementCache} instead of preparing the SQL
 * again on every call (most of a short statement's cost).
 */
export class CachingSqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements: StatementCache;

  constructor(db: BetterSqlite3.Database, statements = new StatementCache(db)) {
    this.#db = db;
    this.#statements = statements;
  }

  /** The cache this connection prepares through; exposed for tests and diagnostics. */
  get statements(): StatementCache {
    return this.#statements;
  }

  /** Whether the handle is inside a transaction (BEGIN without COMMIT or ROLLBACK yet). */
  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const statement = this.#statements.get(sql);
    // all() and run() step the statement to its end and reset it, so a cached
    // statement never holds a read snapshot or stays busy between calls.
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    });
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, _chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    const { sql, parameters, query } = compiledQuery;
    if (!SelectQueryNode.is(query)) throw new Error('the SQLite store streams select queries only');
    // A statement of its own, never a cached one: an open iterator keeps its
    // statement busy, and a cached one is shared with every other query of that text.
    const statement = this.#db.prepare(sql);
    for (const row of statement.iterate(parameters)) yield { rows: [row as R] };
  }
}
