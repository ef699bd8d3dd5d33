/** The one way to open a transaction that writes, on either engine. */
import type { Kysely, Transaction } from 'kysely';
import type { Store } from './database.js';
import type { Database } from './schema.js';
import type { StoreKind } from './store-kind.js';

/** A transaction opened by {@link withWriteTransaction}. */
export type WriteTransaction = Transaction<Database>;

// Lets appendAuditEntry know the engine (its locking differs) and refuse a
// transaction that was not opened here. Weak, so finished transactions go.
const engineOf = new WeakMap<WriteTransaction, StoreKind>();

/**
 * Runs `fn` in one database transaction: committed if `fn` resolves, rolled
 * back if it throws. SQLite: BEGIN IMMEDIATE (see `sqlite-dialect.ts`), and
 * Kysely's driver holds its single connection until commit, so concurrent
 * callers in a process run one after another, never interleaved. PostgreSQL:
 * READ COMMITTED whatever the server default, so each statement after the
 * audit lock sees what the previous lock holder committed. Inside `fn` use
 * `trx` only: on SQLite a nested call or a query on `store.db` would wait
 * for the outer transaction forever.
 */
export function withWriteTransaction<T>(store: Store, fn: (trx: WriteTransaction) => Promise<T>): Promise<T> {
  const builder = store.db.transaction();
  return (store.kind === 'postgres' ? builder.setIsolationLevel('read committed') : builder)
    .execute((trx) => {
      engineOf.set(trx, store.kind);
      return fn(trx);
    });
}

/** The engine of a transaction opened by {@link withWriteTransaction}, or undefined for anything else. */
export function writeTransactionEngine(db: Kysely<Database>): StoreKind | undefined {
  return db.isTransaction ? engineOf.get(db as WriteTransaction) : undefined;
}
