/** Kysely's connection to a better-sqlite3 handle, with prepared statements reused. */
import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';
import type BetterSqlite3 from 'better-sqlite3';
import { SelectQueryNode, type CompiledQuery, type DatabaseConnection, type QueryResult } from 'kysely';
import { StatementCache } from './statement-cache.js';

const ROLLBACK = /^\s*rollback\s*;?\s*$/i;
const openFile = promisify(open);
const syncFile = promisify(fdatasync);
const closeFile = promisify(close);

/**
 * What Kysely's own SqliteConnection does, except that `executeQuery` takes
 * its statement from a {@link StatementCache} instead of preparing the SQL
 * again on every call (most of a short statement's cost), and, given the
 * file's write-ahead log, forces that log to disk itself after every commit.
 *
 * With synchronous=FULL SQLite fsyncs the log inside COMMIT, and better-sqlite3
 * runs COMMIT on the server's one JavaScript thread: every request waits out
 * every fsync. The store's connection runs with synchronous=NORMAL instead
 * (SQLite still syncs the log before a checkpoint and whenever it starts the
 * log afresh) and, after a statement that committed (a COMMIT, or a write
 * outside a transaction), fdatasyncs the log on the libuv pool before it
 * answers. The connection is held for that time (the file's lock, see
 * `file-lock.ts`), so no query of this process sees a commit before it is on
 * disk, no caller hears of it before, and the thread serves everything else
 * meanwhile. Should the fdatasync fail, the commit may be lost at the next
 * power cut: the connection refuses every later statement (fail-stop, as
 * PostgreSQL panics on a failed fsync), and the server must be restarted.
 */
export class CachingSqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements: StatementCache;
  readonly #walFile: string | undefined;
  // A plain descriptor, not a FileHandle: a Store never closed leaves it to the process's end, not to the garbage collector.
  #wal: Promise<number> | undefined;
  #lost: Error | undefined;

  /** `walFile`: the log to force to disk after each commit (the handle must then run with synchronous=NORMAL or stronger); none for `:memory:`. */
  constructor(db: BetterSqlite3.Database, statements = new StatementCache(db), walFile?: string) {
    this.#db = db;
    this.#statements = statements;
    this.#walFile = walFile;
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
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    const { sql, parameters } = compiledQuery;
    const statement = this.#statements.get(sql);
    // all() and run() step the statement to its end and reset it, so a cached
    // statement never holds a read snapshot or stays busy between calls.
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    const result: QueryResult<R> = {
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    };
    // Outside a transaction after a write: it committed (a ROLLBACK wrote nothing to keep).
    if (this.#walFile === undefined || this.#db.inTransaction || ROLLBACK.test(sql)) return Promise.resolve(result);
    return this.#syncLog().then(() => result);
  }

  /** Forces the log to disk; on failure, loses the connection for good (see the class). */
  async #syncLog(): Promise<void> {
    try {
      this.#wal ??= openFile(this.#walFile as string, 'r');
      await syncFile(await this.#wal);
    } catch (error) {
      this.#lost = new Error(`the database's write-ahead log could not be forced to disk (${error instanceof Error ? error.message : String(error)}): the last commit may not survive a power cut, so this store takes no more statements; restart the server`, { cause: error });
      throw this.#lost;
    }
  }

  /** Closes the log's file handle (the database handle is closed by its owner). */
  async close(): Promise<void> {
    const wal = this.#wal;
    this.#wal = undefined;
    const fd = await wal?.catch(() => undefined);
    if (fd !== undefined) await closeFile(fd);
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
