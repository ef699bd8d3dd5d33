/** Which transactions were opened by `withWriteTransaction`, and on which engine. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { StoreKind } from './store-kind.js';

/** A transaction opened by `withWriteTransaction` (on SQLite, one job's view of a shared one). */
export type WriteTransaction = Transaction<Database>;

// Lets appendAuditEntry know the engine (its locking differs) and refuse a
// transaction that was not opened here. Weak, so finished transactions go.
const engineOf = new WeakMap<WriteTransaction, StoreKind>();

/** Records that `trx` was opened by `withWriteTransaction` on `kind`, and returns it. */
export function markWriteTransaction(trx: WriteTransaction, kind: StoreKind): WriteTransaction {
  engineOf.set(trx, kind);
  return trx;
}

/** The engine of a transaction opened by `withWriteTransaction`, or undefined for anything else. */
export function writeTransactionEngine(db: Kysely<Database>): StoreKind | undefined {
  return db.isTransaction ? engineOf.get(db as WriteTransaction) : undefined;
}
